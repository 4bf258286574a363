// SPDX-License-Identifier: Apache-2.0

extension JSONCursor {
    /// Reads a string (the cursor is at its opening quote) and returns its decoded UTF-8 bytes:
    /// a view into the body when there is no escape, otherwise into the scratch buffer.
    ///
    /// Rejects control characters below 0x20, invalid UTF-8 (overlong forms, surrogates encoded
    /// in UTF-8, code points above U+10FFFF, truncated sequences), unknown escapes, and lone or
    /// mismatched `\u` surrogates.
    @inline(__always)
    mutating func readString() throws(WireError) -> JSONStringView {
        let start = index &+ 1
        // Raw loads and a pointer-made view: the checked buffer subscript and slice-rebasing
        // cost more than the scan itself for the short strings of a check body.
        guard let base = bytes.baseAddress else { throw .syntax("unterminated string", at: index) }
        var position = start
        while true {
            position = Self.firstStopByte(base, from: position, end: end)
            guard position < end else { break }
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            if byte == UInt8(ascii: "\"") {
                index = position &+ 1
                return JSONStringView(bytes: UnsafeRawBufferPointer(start: base + start, count: position &- start))
            }
            if byte == UInt8(ascii: "\\") {
                return try readEscapedString(start: start, firstEscape: position)
            }
            if byte < 0x20 { throw .syntax("control character in string must be escaped", at: position) }
            position = try validateUTF8Sequence(at: position)
        }
        throw .syntax("unterminated string", at: index)
    }

    /// The index of the first byte at or after `position` that ends a run of plain string
    /// bytes: `"`, `\`, a control character (< 0x20) or a non-ASCII byte (>= 0x80); `end`
    /// when there is none.
    ///
    /// Eight bytes per step (SWAR): with `zero(v) = (v - 0x01..) & ~v & 0x80..`, the lowest
    /// set bit of `zero(w ^ 0x22..) | zero(w ^ 0x5C..) | ((w - 0x20..) & ~w) | w`, masked to
    /// the high bits, is exactly the first stop byte (borrows only create false positives
    /// above a true one). Keys and ids in a check are 3 to 16 bytes, so this replaces up to
    /// two dozen compare-and-branch steps per string with one or two straight-line words.
    @inline(__always)
    static func firstStopByte(_ base: UnsafeRawPointer, from position: Int, end: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var position = position
        while position &+ 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let stops = ((quote &- ones) & ~quote)
                | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word)
                | word
            let found = stops & highs
            if found != 0 { return position &+ (found.trailingZeroBitCount &>> 3) }
            position &+= 8
        }
        while position < end {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 {
                return position
            }
            position &+= 1
        }
        return end
    }

    /// Slow path: copies the escape-free prefix into the scratch, then decodes the rest.
    private mutating func readEscapedString(start: Int, firstEscape: Int) throws(WireError) -> JSONStringView {
        let output = scratch.cursor
        var written = 0
        var position = start
        while position < firstEscape {
            output[written] = bytes[position]
            written &+= 1
            position &+= 1
        }
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                index = position &+ 1
                // Not `&+=`: a modify access to an `@exclusivity(unchecked)` property of a class
                // crashes the compiler under `-sanitize=thread` (Swift 6.3.1, "Invalid bitcast").
                scratch.used = scratch.used &+ written
                return JSONStringView(bytes: UnsafeRawBufferPointer(start: output, count: written))
            }
            if byte == UInt8(ascii: "\\") {
                position = try decodeEscape(at: position, into: output, written: &written)
            } else if byte < 0x20 {
                throw .syntax("control character in string must be escaped", at: position)
            } else if byte < 0x80 {
                output[written] = byte
                written &+= 1
                position &+= 1
            } else {
                let next = try validateUTF8Sequence(at: position)
                while position < next {
                    output[written] = bytes[position]
                    written &+= 1
                    position &+= 1
                }
            }
        }
        throw .syntax("unterminated string", at: index)
    }

    /// Decodes the escape at `position` (a backslash) into `output`; returns the index after it.
    private func decodeEscape(
        at position: Int, into output: UnsafeMutablePointer<UInt8>, written: inout Int
    ) throws(WireError) -> Int {
        guard position &+ 1 < end else { throw .syntax("unterminated escape", at: position) }
        let simple: UInt8
        switch bytes[position &+ 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: position, into: output, written: &written)
        default:
            throw .syntax("invalid escape sequence", at: position)
        }
        output[written] = simple
        written &+= 1
        return position &+ 2
    }

    /// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair, encoded as UTF-8.
    private func decodeUnicodeEscape(
        at position: Int, into output: UnsafeMutablePointer<UInt8>, written: inout Int
    ) throws(WireError) -> Int {
        let high = try hex4(at: position &+ 2)
        var scalar = UInt32(high)
        var next = position &+ 6
        if high >= 0xD800, high <= 0xDBFF {
            guard next &+ 1 < end, bytes[next] == UInt8(ascii: "\\"), bytes[next &+ 1] == UInt8(ascii: "u") else {
                throw .syntax("lone high surrogate in \\u escape", at: position)
            }
            let low = try hex4(at: next &+ 2)
            guard low >= 0xDC00, low <= 0xDFFF else { throw .syntax("invalid low surrogate in \\u escape", at: next) }
            scalar = 0x10000 &+ ((UInt32(high) &- 0xD800) << 10) &+ (UInt32(low) &- 0xDC00)
            next &+= 6
        } else if high >= 0xDC00, high <= 0xDFFF {
            throw .syntax("lone low surrogate in \\u escape", at: position)
        }
        if scalar < 0x80 {
            output[written] = UInt8(truncatingIfNeeded: scalar)
            written &+= 1
        } else if scalar < 0x800 {
            output[written] = 0xC0 | UInt8(truncatingIfNeeded: scalar >> 6)
            output[written &+ 1] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            written &+= 2
        } else if scalar < 0x10000 {
            output[written] = 0xE0 | UInt8(truncatingIfNeeded: scalar >> 12)
            output[written &+ 1] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F)
            output[written &+ 2] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            written &+= 3
        } else {
            output[written] = 0xF0 | UInt8(truncatingIfNeeded: scalar >> 18)
            output[written &+ 1] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F)
            output[written &+ 2] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F)
            output[written &+ 3] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            written &+= 4
        }
        return next
    }

    /// Four hex digits starting at `position`.
    private func hex4(at position: Int) throws(WireError) -> UInt16 {
        guard position &+ 4 <= end else { throw .syntax("truncated \\u escape", at: position) }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[position &+ offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw .syntax("invalid hex digit in \\u escape", at: position &+ offset)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `position` (>= 0x80) and
    /// returns the index after it (Unicode 15, table 3-7 well-formed byte sequences).
    func validateUTF8Sequence(at position: Int) throws(WireError) -> Int {
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw .syntax("invalid UTF-8 lead byte", at: position)
        }
        guard position &+ length <= end else { throw .syntax("truncated UTF-8 sequence", at: position) }
        let second = bytes[position &+ 1]
        guard second >= low, second <= high else { throw .syntax("invalid UTF-8 sequence", at: position) }
        var offset = 2
        while offset < length {
            guard bytes[position &+ offset] & 0xC0 == 0x80 else {
                throw .syntax("invalid UTF-8 sequence", at: position)
            }
            offset &+= 1
        }
        return position &+ length
    }
}
