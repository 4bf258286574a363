// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import PDPCore
import PDPServer
import PDPStore
import PDPStorePostgres
import ServiceLifecycle

/// Opens the facts storage `pdp serve` was asked for: the local journal under the data
/// directory (the default), memory only, or PostgreSQL shared with other sidecars (with a
/// local copy under `DATA_DIR/postgres`), and the services the choice needs.
struct FactsStorageSetup {
    /// The store, for ``FactsWriter``.
    var storage: any FactsStorage
    /// Given the writer: the services to run beside it (PostgreSQL's change listener).
    var services: @Sendable (FactsWriter) -> [any Service] = { _ in [] }

    /// The facts writer over the storage ``open(store:dataDirectory:inMemory:compactAfterBytes:logger:)``
    /// chose, and the services to run beside it.
    static func writer(
        store: String?, dataDirectory: String, inMemory: Bool, compactAfterBytes: Int, base: PDPCore.PolicySnapshot,
        snapshots: SnapshotStore, logger: Logger, maxStaleness: Double?
    ) throws -> (FactsWriter, [any Service]) {
        let setup = try open(store: store, dataDirectory: dataDirectory, inMemory: inMemory, compactAfterBytes: compactAfterBytes, logger: logger)
        let services = setup.services
        if let journal = setup.storage as? FactsStore, journal.image != nil {
            // Ready for checks once the decision index is built from the files; the facts
            // API's state and listings follow on the writer's queue.
            let replayed = journal.replayedTransactions
            let started = ContinuousClock.now
            do throws(FactsStoreError) {
                let writer = try FactsWriter(
                    base: base, loading: journal, snapshots: snapshots, logger: logger,
                    onLoadFailure: { error in
                        writeStandardError("pdp serve: cannot use the data directory \(dataDirectory): \(error.description)")
                        exit(Status.storageFailure.rawValue)
                    })
                // Said plainly, not only as log metadata: facts outlive the process, and
                // someone who restarts a server should know which ones came back and from where.
                let summary = writer.summary
                logger.notice(
                    "facts: \(summary.users) users, \(summary.tenants) tenants, \(summary.assignments) role assignments loaded from \(dataDirectory) (--in-memory keeps none; remove that directory to start empty)",
                    metadata: [
                        "pdp.data_dir": "\(dataDirectory)", "facts.replayed": "\(replayed)",
                        "facts.index_duration": "\(started.duration(to: .now))",
                    ])
                return (writer, services(writer))
            } catch {
                writeStandardError("pdp serve: cannot use the data directory \(dataDirectory): \(error.description)")
                throw Status.storageFailure
            }
        }
        let storage = setup.storage
        let writer = FactsWriter(base: base, storage: storage, snapshots: snapshots, logger: logger, maxStaleness: maxStaleness)
        return (writer, services(writer))
    }

    /// - Parameters:
    ///   - store: `--facts-store` / `$PDP_FACTS_STORE`: `journal` (or `nil`) or a
    ///     `postgres://` URL.
    /// - Throws: ``Status/storageFailure`` (exit 7) after saying why on standard error, for
    ///   a damaged data directory, a bad URL or a database a newer pdp migrated.
    static func open(store: String?, dataDirectory: String, inMemory: Bool, compactAfterBytes: Int, logger: Logger) throws -> FactsStorageSetup {
        if let store, store != "journal" {
            return try openPostgres(url: store, cacheDirectory: inMemory ? nil : dataDirectory + "/postgres", logger: logger)
        }
        if inMemory { return FactsStorageSetup(storage: FactsStore()) }
        let storage: FactsStore
        do {
            storage = try FactsStore(
                configuration: FactsStoreConfiguration(directory: dataDirectory, compactionThresholdBytes: compactAfterBytes), deferringState: true)
        } catch {
            writeStandardError("pdp serve: cannot use the data directory \(dataDirectory): \(error.description)")
            throw Status.storageFailure
        }
        for warning in storage.recoveryWarnings { logger.warning("\(warning)") }
        // Said plainly, not only as log metadata: facts outlive the process, and someone
        // who restarts a server should know which ones came back and from where.
        // The counts are said once the writer has read the facts (`writer(...)`).
        return FactsStorageSetup(storage: storage)
    }

    private static func openPostgres(url: String, cacheDirectory: String?, logger: Logger) throws -> FactsStorageSetup {
        let configuration: PostgresStoreConfiguration
        let storage: PostgresFactsStore
        do {
            configuration = try PostgresStoreConfiguration(url: url, cacheDirectory: cacheDirectory)
        } catch {
            writeStandardError("pdp serve: \(error.description)")
            throw Status.storageFailure
        }
        do {
            storage = try PostgresFactsStore(configuration: configuration, logger: logger)
        } catch {
            writeStandardError("pdp serve: cannot use the facts store \(configuration.redacted): \(error)")
            throw Status.storageFailure
        }
        for warning in storage.cacheWarnings { logger.warning("\(warning)") }
        let state = storage.state
        logger.notice(
            "facts: \(state.users.count) users, \(state.tenants.count) tenants, \(state.assignments.count) role assignments at position \(storage.lastSequence) from \(configuration.redacted) (\(storage.startedFrom))",
            metadata: ["pdp.facts_store": "\(configuration.redacted)", "facts.position": "\(storage.lastSequence)"])
        return FactsStorageSetup(storage: storage) { writer in
            [PostgresChangeListener(configuration: configuration, logger: logger, wake: { writer.follow() })]
        }
    }
}
