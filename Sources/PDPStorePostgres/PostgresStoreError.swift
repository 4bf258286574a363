// SPDX-License-Identifier: Apache-2.0

/// Why the PostgreSQL facts store cannot be configured, reached or used.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The `--facts-store` URL is not usable (the text says why).
    case badURL(String)
    /// PostgreSQL could not be reached, or a statement failed or timed out.
    case unavailable(String)
    /// The database holds a schema newer than this server knows: an older `pdp` must not
    /// write to it.
    case schemaTooNew(found: Int, known: Int)
    /// The database holds something that is not what this server wrote (a change that does
    /// not decode, positions out of order).
    case inconsistent(String)

    public var description: String {
        switch self {
        case .badURL(let why): "bad --facts-store URL: \(why)"
        case .unavailable(let why): "PostgreSQL is unavailable: \(why)"
        case .schemaTooNew(let found, let known):
            "the database's facts schema is at version \(found), newer than this pdp knows (\(known)); upgrade pdp"
        case .inconsistent(let why): "the facts in PostgreSQL are inconsistent: \(why)"
        }
    }
}
