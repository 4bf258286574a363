// SPDX-License-Identifier: Apache-2.0

// Byte-level scanning for the head parser: word-at-a-time searches and class tests, the
// part of each request's CPU time that the parser's structure rests on.
extension RequestHeadParser {
    /// The index of the first LF at or after `start` and before `end`, or `end`.
    ///
    /// Eight bytes per step: `(w ^ 0x0A..) - 0x01..) & ~(w ^ 0x0A..) & 0x80..` flags zero bytes
    /// of `w ^ 0x0A..`, and its lowest set bit is exactly the first LF. A head is a few hundred
    /// bytes scanned twice (end of head, then lines), so this matters per request.
    @inline(__always)
    static func firstNewline(_ bytes: UnsafeRawBufferPointer, from start: Int, end: Int) -> Int {
        guard let base = bytes.baseAddress else { return end }
        return firstNewline(base, from: start, end: end)
    }

    @inline(__always)
    static func firstNewline(_ base: UnsafeRawPointer, from start: Int, end: Int) -> Int {
        firstByte(UInt8(ascii: "\n"), base, from: start, end: end)
    }

    /// The index of the first `target` byte at or after `start` and before `end`, or `end`;
    /// eight bytes per step as in ``firstNewline(_:from:end:)``.
    @inline(__always)
    static func firstByte(_ target: UInt8, _ base: UnsafeRawPointer, from start: Int, end: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        var index = start
        while index + 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ (ones &* UInt64(target))
            let found = (word &- ones) & ~word & (ones &* 0x80)
            if found != 0 { return index + found.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end, base.load(fromByteOffset: index, as: UInt8.self) != target { index += 1 }
        return index
    }

    /// Whether a name of at least eight bytes is all letters, digits and `-`, a word at a time.
    @inline(__always)
    static func nameIsPlain(_ base: UnsafeRawPointer, _ name: Range<Int>) -> Bool {
        guard name.count >= 8 else { return false }
        var index = name.lowerBound
        while index + 8 < name.upperBound {
            guard isPlainNameWord(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) else { return false }
            index += 8
        }
        return isPlainNameWord(base.loadUnaligned(fromByteOffset: name.upperBound - 8, as: UInt64.self))
    }

    /// Whether all eight bytes of `word` are ASCII letters, digits or `-`, all of them token
    /// bytes, tested at once.
    ///
    /// Words with a byte below 0x20 or above 0x7F are refused first: the former would fold
    /// onto `-` and the digits below, the latter would carry into their neighbours. The rest
    /// are 0x20-0x7F; OR-ing 0x20 folds A-Z onto a-z, and adding `0x80 - low` to each byte
    /// sets its high bit exactly when the byte is at least `low`, without carries.
    @inline(__always)
    static func isPlainNameWord(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80
        guard ((word &- ones &* 0x20) & ~word | word) & high == 0 else { return false }
        let folded = word | (ones &* 0x20)
        let letter = (folded &+ ones &* 0x1F) & ~(folded &+ ones &* 0x05)  // 0x61 ... 0x7A
        let digit = (folded &+ ones &* 0x50) & ~(folded &+ ones &* 0x46)  // 0x30 ... 0x39
        let dashDiff = folded ^ (ones &* 0x2D)
        let dash = ~(((dashDiff & ~high) &+ ~high) | dashDiff)  // bytes where dashDiff is 0
        return (letter | digit | dash) & high == high
    }

    @inline(__always)
    static func isOptionalWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == 0x09
    }

    /// Whether `range` holds only field-value bytes: 0x20-0x7E, tab and obs-text (0x80-0xFF).
    ///
    /// Eight bytes per step, as values are most of a head's bytes: `(w - 0x20..) & ~w & 0x80..`
    /// is nonzero exactly when some byte of `w` is below 0x20, and the same test on
    /// `w ^ 0x7F..` against 0x01 finds DEL. Such a word (a tab, or an invalid byte) is
    /// decided byte by byte. The last word overlaps the one before instead of a byte loop.
    static func isFieldValue(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80
        @inline(__always) func wordIsPlain(_ offset: Int) -> Bool {
            let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word & high
            let del = word ^ (ones &* 0x7F)
            return control | ((del &- ones) & ~del & high) == 0
        }
        @inline(__always) func bytesAreValid(_ lower: Int, _ upper: Int) -> Bool {
            var index = lower
            while index < upper {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                guard (byte >= 0x20 && byte != 0x7F) || byte == 0x09 else { return false }
                index += 1
            }
            return true
        }
        guard range.count >= 8 else { return bytesAreValid(range.lowerBound, range.upperBound) }
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            if !wordIsPlain(index), !bytesAreValid(index, index + 8) { return false }
            index += 8
        }
        let last = range.upperBound - 8
        return index == range.upperBound || wordIsPlain(last) || bytesAreValid(last, range.upperBound)
    }

    /// RFC 9110 `tchar`: ALPHA, DIGIT and ``!#$%&'*+-.^_`|~``, as a 128-bit set (bit n is
    /// byte n), tested with a shift instead of a chain of compares for every header name byte.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CFA_0000_0000  // ! # $ % & ' * + - . 0-9
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE  // A-Z ^ _ ` a-z | ~
        return byte < 64 ? (low >> UInt64(byte)) & 1 == 1 : byte < 128 && (high >> UInt64(byte &- 64)) & 1 == 1
    }

    /// Whether the bytes in `range` equal `lowercase` ignoring ASCII case, eight at a time.
    ///
    /// OR-ing 0x20 into a byte folds uppercase letters onto lowercase ones. It also folds
    /// 0x00-0x1F onto 0x20-0x3F, so `lowercase` must hold only lowercase letters, digits and
    /// `-`, and `range` must be a header name or value that passed validation (no control
    /// bytes but tab, which folds onto `)`): then only case variants compare equal.
    @inline(__always)
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard range.count == count, let base = bytes.baseAddress else { return false }
        let lhs = base + range.lowerBound
        let rhs = UnsafeRawPointer(lowercase.utf8Start)
        let fold: UInt64 = 0x2020_2020_2020_2020
        var index = 0
        while index + 8 <= count {
            if lhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) | fold != rhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                return false
            }
            index += 8
        }
        while index < count {
            if lhs.load(fromByteOffset: index, as: UInt8.self) | 0x20 != rhs.load(fromByteOffset: index, as: UInt8.self) { return false }
            index += 1
        }
        return true
    }

    /// Sets ``RequestHead/syncHeaderProblem`` unless the `X-Wait-Timeout` value in `range` is
    /// empty or a decimal number. Out of line: inlined into `parse`, even as a call to the
    /// check below, it cost every request 9 instructions (callgrind_allowed.sh).
    @inline(never)
    static func checkWaitTimeout(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into head: inout RequestHead) {
        if !isDecimalNumberOrEmpty(bytes, range) {
            head.syncHeaderProblem = "X-Wait-Timeout must be a decimal number of seconds"
        }
    }

    /// Whether `range` is empty or a decimal number, `[+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?`:
    /// the grammar of `X-Wait-Timeout`, as docs/openapi.json states it. The text alone
    /// decides, at any magnitude: the value is never used, and `Double(_:)`, used before, took
    /// hex floats too and refused values past `Double.greatestFiniteMagnitude`, a rule no
    /// pattern can state (schemathesis found `1e100` outside the documented pattern).
    static func isDecimalNumberOrEmpty(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard let base = bytes.baseAddress else { return range.isEmpty }
        var index = range.lowerBound
        let end = range.upperBound
        @inline(__always) func at(_ index: Int) -> UInt8 { base.load(fromByteOffset: index, as: UInt8.self) }
        @inline(__always) func digits(from start: Int) -> Int {
            var index = start
            while index < end, at(index) &- UInt8(ascii: "0") < 10 { index += 1 }
            return index
        }
        if index == end { return true }
        if at(index) == UInt8(ascii: "+") || at(index) == UInt8(ascii: "-") { index += 1 }
        let integerEnd = digits(from: index)
        var mantissaDigits = integerEnd - index
        index = integerEnd
        if index < end, at(index) == UInt8(ascii: ".") {
            let fractionEnd = digits(from: index + 1)
            mantissaDigits += fractionEnd - index - 1
            index = fractionEnd
        }
        guard mantissaDigits > 0 else { return false }
        if index < end, at(index) | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < end, at(index) == UInt8(ascii: "+") || at(index) == UInt8(ascii: "-") { index += 1 }
            let exponentEnd = digits(from: index)
            guard exponentEnd > index else { return false }
            index = exponentEnd
        }
        return index == end
    }
}
