// SPDX-License-Identifier: Apache-2.0

import NIOCore

extension ByteBuffer {
    /// Writes `bytes` (valid UTF-8) as a quoted JSON string: `"` and `\` are escaped, control
    /// characters become `\b \f \n \r \t` or `\u00XX`, everything else is copied as is.
    /// Runs of plain bytes are copied in one call; nothing is allocated beyond buffer growth.
    /// - Returns: the number of bytes written.
    @discardableResult
    public mutating func writeJSONString(utf8 bytes: UnsafeRawBufferPointer) -> Int {
        var written = writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for position in 0..<bytes.count {
            let byte = bytes[position]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < position {
                written += writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
            }
            runStart = position + 1
            switch byte {
            case UInt8(ascii: "\""): written += writeStaticString("\\\"")
            case UInt8(ascii: "\\"): written += writeStaticString("\\\\")
            case 0x08: written += writeStaticString("\\b")
            case 0x0C: written += writeStaticString("\\f")
            case 0x0A: written += writeStaticString("\\n")
            case 0x0D: written += writeStaticString("\\r")
            case 0x09: written += writeStaticString("\\t")
            default:
                written += writeStaticString("\\u00")
                written += writeInteger(hexDigit(byte >> 4))
                written += writeInteger(hexDigit(byte & 0x0F))
            }
        }
        if runStart < bytes.count {
            written += writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        written += writeInteger(UInt8(ascii: "\""))
        return written
    }

    /// Writes `string` as a quoted, escaped JSON string (see ``writeJSONString(utf8:)``).
    @discardableResult
    public mutating func writeJSONString(_ string: String) -> Int {
        var string = string
        return string.withUTF8 { writeJSONString(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Writes the view as a quoted, escaped JSON string.
    @discardableResult
    public mutating func writeJSONString(_ view: JSONStringView) -> Int {
        writeJSONString(utf8: view.bytes)
    }
}

@inline(__always)
private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}
