// SPDX-License-Identifier: Apache-2.0
import Logging

/// `pdp facts migrate`: brings a database's facts schema to the version this `pdp` writes,
/// without starting a server (the server also does it on start).
public enum PostgresMigration {
    /// What a migration found and did.
    public struct Outcome: Sendable {
        /// The schema version before (0: no facts schema yet).
        public var from: Int
        /// The version now (``latestVersion``).
        public var to: Int
    }

    /// The schema version this `pdp` writes.
    public static var latestVersion: Int { PostgresSchema.latestVersion }

    /// Runs the missing migrations, each in its own transaction, under an advisory lock.
    /// - Throws: ``PostgresStoreError/unavailable(_:)`` when PostgreSQL cannot be reached or
    ///   a statement fails (nothing of that migration is kept),
    ///   ``PostgresStoreError/schemaTooNew(found:known:)`` for a database a newer `pdp`
    ///   migrated.
    public static func run(_ configuration: PostgresStoreConfiguration, logger: Logger) throws(PostgresStoreError) -> Outcome {
        let session = PostgresSession(configuration: configuration, logger: logger)
        defer { session.close() }
        let applied = try PostgresSchema.migrate(session)
        return Outcome(from: (applied.first ?? latestVersion + 1) - 1, to: latestVersion)
    }
}
