// SPDX-License-Identifier: Apache-2.0

import NIOCore

extension JSONCursor {
    /// Reads an array of strings, or `null` (→ `nil`). Schema errors name `path` or `path[i]`.
    mutating func readOptionalStringArray(_ path: String) throws(WireError) -> [String]? {
        let kind = try peekKind()
        if kind == .null {
            _ = try readLiteral()
            return nil
        }
        guard kind == .array else {
            throw .schema(path, "expected an array of strings or null, found \(kind)", at: index)
        }
        try enterContainer()
        var strings: [String] = []
        var first = true
        while try nextElement(&first) {
            let element = try peekKind()
            guard element == .string else {
                throw .schema("\(path)[\(strings.count)]", "expected a string, found \(element)", at: index)
            }
            strings.append(try readString().string)
        }
        return strings
    }

    /// Enters the top-level object of a request body, or throws a schema error.
    mutating func enterRequestObject() throws(WireError) {
        let kind = try peekKind()
        guard kind == .object else { throw .schema("", "expected an object, found \(kind)", at: index) }
        try enterContainer()
    }
}

/// Runs `read` over the readable bytes of `buffer` with a fresh cursor and scratch, then
/// checks that nothing follows the value. For the non-hot-path request decoders.
func parseRequest<T>(
    _ bytes: UnsafeRawBufferPointer, limits: JSONLimits,
    _ read: (inout JSONCursor) throws(WireError) -> T
) throws(WireError) -> T {
    var cursor = try JSONCursor(bytes, scratch: JSONScratch(initialCapacity: bytes.count), limits: limits)
    let value = try read(&cursor)
    try cursor.finish()
    return value
}

/// `parseRequest` over a `ByteBuffer` (the reader index does not move).
func parseRequest<T>(
    _ buffer: ByteBuffer, limits: JSONLimits,
    _ read: (inout JSONCursor) throws(WireError) -> T
) throws(WireError) -> T {
    let result: Result<T, WireError> = buffer.withUnsafeReadableBytes { bytes in
        Result { () throws(WireError) in try parseRequest(bytes, limits: limits, read) }
    }
    return try result.get()
}
