// SPDX-License-Identifier: Apache-2.0

import NIOCore

extension JSONValue {
    /// Parses one complete JSON document with the same strict reader as the hot path.
    /// - Throws: ``WireError`` of kind `syntax` (with byte offset) or `tooLarge`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(WireError) -> JSONValue {
        var cursor = try JSONCursor(bytes, scratch: JSONScratch(initialCapacity: bytes.count), limits: limits)
        let value = try cursor.readValue()
        try cursor.finish()
        return value
    }

    /// Parses the readable bytes of `buffer` (does not move its reader index).
    public static func parse(_ buffer: ByteBuffer, limits: JSONLimits = .default) throws(WireError) -> JSONValue {
        let result: Result<JSONValue, WireError> = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(WireError) in try parse(bytes, limits: limits) }
        }
        return try result.get()
    }

    /// Parses the UTF-8 of `text`.
    public static func parse(_ text: String, limits: JSONLimits = .default) throws(WireError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, WireError> = text.withUTF8 { utf8 in
            Result { () throws(WireError) in try parse(UnsafeRawBufferPointer(utf8), limits: limits) }
        }
        return try result.get()
    }
}

extension JSONCursor {
    /// Materializes the next value.
    mutating func readValue() throws(WireError) -> JSONValue {
        switch try peekKind() {
        case .string:
            return .string(try readString().string)
        case .number:
            let start = index
            let (range, isInteger) = try scanNumber()
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            if isInteger, let value = Int(text) { return .int(value) }
            guard let value = Double(text) else { throw .syntax("number out of range", at: start) }
            return .double(value)
        case .bool, .null:
            let (kind, value) = try readLiteral()
            return kind == .null ? .null : .bool(value)
        case .array:
            try enterContainer()
            var elements: [JSONValue] = []
            var first = true
            while try nextElement(&first) { elements.append(try readValue()) }
            return .array(elements)
        case .object:
            try enterContainer()
            var members: [JSONMember] = []
            var first = true
            while let key = try nextKey(&first) {
                let name = key.string
                members.append(JSONMember(name, try readValue()))
            }
            return .object(members)
        }
    }
}
