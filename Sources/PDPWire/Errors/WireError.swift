// SPDX-License-Identifier: Apache-2.0

/// Why a request body could not be turned into a wire request.
///
/// The kinds map one-to-one to HTTP statuses at the server edge (see ``httpStatus``):
/// malformed JSON is a client syntax error (400), well-formed JSON of the wrong shape is a
/// schema error (422), and bodies over a configured limit are rejected before or while
/// parsing (413).
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of failure; decides the HTTP status.
    public enum Kind: Sendable, Equatable {
        /// The bytes are not RFC 8259 JSON (bad token, bad escape, invalid UTF-8, trailing
        /// data, nesting deeper than the limit...). Answer 400.
        case syntax
        /// Valid JSON, but a field is missing or has the wrong type. Answer 422.
        case schema
        /// A bulk body holds more items than the caller allowed. Answer 413 (or 422).
        case tooManyItems
        /// The body is larger than the configured size guard. Answer 413.
        case tooLarge
    }

    /// The category of failure.
    public let kind: Kind
    /// Byte offset into the body where the problem was detected, when known.
    public let offset: Int?
    /// Field path such as `resource.type` or `checks[3].user.key`; empty for syntax errors
    /// and for problems with the body as a whole.
    public let path: String
    /// A short human-readable reason, e.g. `expected a string, found a number`.
    public let reason: String

    /// Creates an error. Prefer the static constructors.
    public init(kind: Kind, offset: Int?, path: String, reason: String) {
        self.kind = kind
        self.offset = offset
        self.path = path
        self.reason = reason
    }

    /// A syntax (400) error at `offset`.
    public static func syntax(_ reason: String, at offset: Int) -> WireError {
        WireError(kind: .syntax, offset: offset, path: "", reason: reason)
    }

    /// A schema (422) error for `path`.
    public static func schema(_ path: String, _ reason: String, at offset: Int?) -> WireError {
        WireError(kind: .schema, offset: offset, path: path, reason: reason)
    }

    /// The HTTP status the server should answer with: 400, 422 or 413.
    public var httpStatus: Int {
        switch kind {
        case .syntax: 400
        case .schema: 422
        case .tooManyItems, .tooLarge: 413
        }
    }

    /// A stable snake_case code for error bodies.
    public var code: String {
        switch kind {
        case .syntax: "invalid_json"
        case .schema: "invalid_request"
        case .tooManyItems: "too_many_items"
        case .tooLarge: "body_too_large"
        }
    }

    /// `path: reason (at byte N)`, e.g. `resource.type: expected a string, found a number (at byte 57)`.
    public var description: String {
        var text = path.isEmpty ? reason : "\(path): \(reason)"
        if let offset { text += " (at byte \(offset))" }
        return text
    }

    /// Returns the same error with `prefix` prepended to its path (used for bulk items).
    func prefixingPath(_ prefix: String) -> WireError {
        guard kind == .schema else { return self }
        let joined = path.isEmpty ? prefix : (path.hasPrefix("[") ? prefix + path : prefix + "." + path)
        return WireError(kind: kind, offset: offset, path: joined, reason: reason)
    }
}
