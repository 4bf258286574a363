// SPDX-License-Identifier: Apache-2.0

extension JSONCursor {
    /// Validates a number token at the cursor and consumes it. Returns the token's byte range
    /// and whether it is an integer (no fraction, no exponent).
    ///
    /// Grammar (RFC 8259 §6): `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`; a leading
    /// `+`, leading zeros, a bare `.`, `NaN` and `Infinity` are rejected.
    mutating func scanNumber() throws(WireError) -> (range: Range<Int>, isInteger: Bool) {
        let start = index
        var position = index
        if position < end, bytes[position] == UInt8(ascii: "-") { position &+= 1 }
        guard position < end, isDigit(bytes[position]) else {
            throw .syntax("invalid number, expected a digit", at: position)
        }
        if bytes[position] == UInt8(ascii: "0") {
            position &+= 1
            if position < end, isDigit(bytes[position]) {
                throw .syntax("invalid number, leading zeros are not allowed", at: start)
            }
        } else {
            while position < end, isDigit(bytes[position]) { position &+= 1 }
        }
        var isInteger = true
        if position < end, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position &+= 1
            guard position < end, isDigit(bytes[position]) else {
                throw .syntax("invalid number, expected a digit after '.'", at: position)
            }
            while position < end, isDigit(bytes[position]) { position &+= 1 }
        }
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position &+= 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position &+= 1
            }
            guard position < end, isDigit(bytes[position]) else {
                throw .syntax("invalid number, expected a digit in the exponent", at: position)
            }
            while position < end, isDigit(bytes[position]) { position &+= 1 }
        }
        index = position
        return (start..<position, isInteger)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Skips one complete value, validating it fully (strings, escapes, UTF-8, numbers, nesting),
    /// without materializing anything. Returns the kind skipped.
    @discardableResult
    mutating func skipValue() throws(WireError) -> JSONKind {
        let kind = try peekKind()
        switch kind {
        case .string:
            _ = try readString()
        case .number:
            _ = try scanNumber()
        case .bool, .null:
            _ = try readLiteral()
        case .object:
            try enterContainer()
            var first = true
            while try nextKey(&first) != nil { try skipValue() }
        case .array:
            try enterContainer()
            var first = true
            while try nextElement(&first) { try skipValue() }
        }
        return kind
    }

    /// Reads a string at the cursor, or throws a schema error naming `path` when the next
    /// value is of another kind.
    @inline(__always)
    mutating func readRequiredString(_ path: StaticString) throws(WireError) -> JSONStringView {
        let kind = try peekKind()
        guard kind == .string else {
            throw .schema(path.description, "expected a string, found \(kind)", at: index)
        }
        return try readString()
    }

    /// Reads a string or `null` (→ `nil`); any other kind is a schema error naming `path`.
    @inline(__always)
    mutating func readOptionalString(_ path: StaticString) throws(WireError) -> JSONStringView? {
        let kind = try peekKind()
        switch kind {
        case .string: return try readString()
        case .null:
            _ = try readLiteral()
            return nil
        default: throw .schema(path.description, "expected a string or null, found \(kind)", at: index)
        }
    }
}
