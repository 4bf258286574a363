// SPDX-License-Identifier: Apache-2.0

/// A parsed JSON document, for the endpoints off the hot path (user permissions, authorized
/// users, user tenants, the facts API).
///
/// Objects keep their members in document order (duplicates included); lookups by key return
/// the last member with that key, as Python's `json` does. Integers that fit in `Int` are
/// ``int(_:)``; every other number is ``double(_:)``.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The kind of this value, for error messages.
    public var kind: JSONKind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int, .double: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The member's key.
    public var key: String
    /// The member's value.
    public var value: JSONValue

    /// Creates a member.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}
