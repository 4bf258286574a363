// SPDX-License-Identifier: Apache-2.0

/// Why the facts refused a write. The HTTP adapter maps each kind to a status once, at the
/// edge (404, 409, 403, 503).
public struct FactsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A user, tenant, role or assignment the write names does not exist.
        case notFound
        /// The object the write creates already exists.
        case duplicate
        /// The write would change what the policy files declare: edit the files instead.
        case declaredInPolicy
        /// The write could not be stored (the journal failed, or the writer has stopped).
        case unavailable
        /// The store cannot hold what the write contains (PostgreSQL: a U+0000 character, a
        /// key too long for an index); retrying will not help.
        case unstorable
    }

    public var kind: Kind
    /// One sentence for the client.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func notFound(_ message: String) -> FactsError { FactsError(.notFound, message) }
    static func duplicate(_ message: String) -> FactsError { FactsError(.duplicate, message) }
    static func declaredInPolicy(_ message: String) -> FactsError { FactsError(.declaredInPolicy, message) }
    public static func unavailable(_ message: String) -> FactsError { FactsError(.unavailable, message) }
}
