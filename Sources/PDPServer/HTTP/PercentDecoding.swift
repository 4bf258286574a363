// SPDX-License-Identifier: Apache-2.0

/// Strict percent-decoding (RFC 3986 §2.1) of path segments and query parts.
///
/// Strict because the decoded text names things: decoding `%FF`, `%FE` and `%C0` leniently
/// gives the same U+FFFD for all three, so three spellings would name one user. A `%` not
/// followed by two hex digits, or decoded bytes that are not valid UTF-8, are refused.
enum PercentDecoding {
    /// The decoded text, or `nil` when an escape is malformed or the bytes are not UTF-8.
    /// - Parameter plusAsSpace: decode `+` as a space (query strings, form encoding); in a
    ///   path `+` is itself.
    static func decode(_ text: Substring, plusAsSpace: Bool) -> String? {
        let utf8 = text.utf8
        // Nothing to decode: most keys; the text is already valid UTF-8.
        if !utf8.contains(UInt8(ascii: "%")) && !(plusAsSpace && utf8.contains(UInt8(ascii: "+"))) {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            utf8.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index < utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
                utf8.formIndex(after: &index)
                guard index < utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
                utf8.formIndex(after: &index)
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        // Decoding repairs invalid UTF-8 with U+FFFD; a round trip that changes the bytes
        // shows there was some (`String(validating:)` needs macOS 15).
        let decoded = String(decoding: bytes, as: UTF8.self)
        return decoded.utf8.elementsEqual(bytes) ? decoded : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
