// SPDX-License-Identifier: Apache-2.0

/// The type of a JSON value, as seen from its first byte; used in schema error messages.
public enum JSONKind: Sendable, Equatable, CustomStringConvertible {
    case object, array, string, number, bool, null

    /// `an object`, `a string`, ... for messages like `expected a string, found a number`.
    public var description: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}
