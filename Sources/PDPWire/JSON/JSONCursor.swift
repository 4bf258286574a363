// SPDX-License-Identifier: Apache-2.0

// Why a hand-written reader instead of Foundation's JSONDecoder: decoding one check body with
// JSONDecoder + Codable costs several microseconds and a dozen or more allocations (the
// intermediate dictionary, every String, the decoder's containers). The decision itself is a
// few hash lookups and a bitset test, so on the `/allowed` hot path parsing would dominate.
// This cursor walks the bytes in place, returns strings as views into the body (or into a
// reusable scratch buffer when they contain escapes), skips everything the decision does not
// need while still validating it, and allocates nothing once the scratch is warm.

/// A forward-only, validating RFC 8259 tokenizer over a borrowed byte buffer.
///
/// Strict: only space, tab, LF and CR are whitespace; no comments, no trailing commas, no
/// byte order mark (RFC 8259 §8.1 forbids sending one and we choose to reject it rather than
/// guess), no NaN/Infinity, no leading zeros or `+` in numbers, no control characters or
/// invalid UTF-8 in strings, no lone surrogates. All failures are ``WireError/Kind/syntax``
/// with the byte offset of the offending byte.
struct JSONCursor: ~Copyable {
    let bytes: UnsafeRawBufferPointer
    let end: Int
    let maxDepth: Int
    let scratch: JSONScratch
    /// Whether checks in the SDKs' own shape are read by ``readSDKShapedCheck()`` first;
    /// `false` only to compare it with the general reader (tests, fuzzing).
    let readsSDKShape: Bool
    var index: Int = 0
    var depth: Int = 0

    /// Prepares to read `bytes`; throws ``WireError/Kind/tooLarge`` when over `limits.maxBytes`
    /// and a syntax error for a byte order mark.
    init(_ bytes: UnsafeRawBufferPointer, scratch: JSONScratch, limits: JSONLimits, sdkShape: Bool = true) throws(WireError) {
        guard bytes.count <= limits.maxBytes else {
            throw WireError(kind: .tooLarge, offset: 0, path: "",
                            reason: "body of \(bytes.count) bytes exceeds the limit of \(limits.maxBytes)")
        }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw .syntax("byte order mark is not allowed", at: 0)
        }
        scratch.reset(forBodyOf: bytes.count)
        self.bytes = bytes
        self.end = bytes.count
        self.maxDepth = limits.maxDepth
        self.scratch = scratch
        self.readsSDKShape = sdkShape
    }

    // MARK: Bytes and whitespace

    @inline(__always)
    mutating func skipWhitespace() {
        while index < end {
            let byte = bytes[index]
            // Most bytes after a token are not whitespace: one compare rejects them all.
            guard byte <= 0x20, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index &+= 1
        }
    }

    /// Throws "unexpected end of input" when the body ends here.
    @inline(__always)
    func unexpectedEnd() -> WireError { .syntax("unexpected end of input", at: index) }

    /// The kind of the next value (after whitespace); does not consume it.
    @inline(__always)
    mutating func peekKind() throws(WireError) -> JSONKind {
        skipWhitespace()
        guard index < end else { throw unexpectedEnd() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw .syntax("unexpected character, expected a JSON value", at: index)
        }
    }

    /// After the top-level value: only whitespace may follow.
    mutating func finish() throws(WireError) {
        skipWhitespace()
        guard index == end else { throw .syntax("unexpected data after the JSON value", at: index) }
    }

    // MARK: Literals

    /// Consumes `true`, `false` or `null` (the caller saw its first byte) and returns it as a kind
    /// plus the boolean value.
    mutating func readLiteral() throws(WireError) -> (JSONKind, Bool) {
        let first = bytes[index]
        if first == UInt8(ascii: "t") {
            try expectWord("true")
            return (.bool, true)
        } else if first == UInt8(ascii: "f") {
            try expectWord("false")
            return (.bool, false)
        }
        try expectWord("null")
        return (.null, false)
    }

    /// Consumes `null` if it is the next value; returns whether it did.
    mutating func consumeNull() throws(WireError) -> Bool {
        skipWhitespace()
        guard index < end, bytes[index] == UInt8(ascii: "n") else { return false }
        try expectWord("null")
        return true
    }

    private mutating func expectWord(_ word: StaticString) throws(WireError) {
        let count = word.utf8CodeUnitCount
        let expected = word.utf8Start
        var offset = 0
        while offset < count {
            guard index &+ offset < end, bytes[index &+ offset] == expected[offset] else {
                throw .syntax("invalid literal, expected \(word)", at: index &+ offset)
            }
            offset &+= 1
        }
        index &+= count
    }

    // MARK: Containers

    /// Consumes `{` or `[` (the caller saw it) and enforces the depth limit.
    @inline(__always)
    mutating func enterContainer() throws(WireError) {
        depth &+= 1
        guard depth <= maxDepth else {
            throw .syntax("nesting deeper than \(maxDepth) levels", at: index)
        }
        index &+= 1
    }

    /// Iterates object members: returns the next key (with its `:` consumed), or `nil` after
    /// consuming the closing `}`. `first` must start `true` for each object.
    @inline(__always)
    mutating func nextKey(_ first: inout Bool) throws(WireError) -> JSONStringView? {
        skipWhitespace()
        guard index < end else { throw unexpectedEnd() }
        var byte = bytes[index]
        if byte == UInt8(ascii: "}") {
            if first { first = false }
            index &+= 1
            depth &-= 1
            return nil
        }
        if first {
            first = false
        } else {
            guard byte == UInt8(ascii: ",") else { throw .syntax("expected ',' or '}' in object", at: index) }
            index &+= 1
            skipWhitespace()
            guard index < end else { throw unexpectedEnd() }
            byte = bytes[index]
        }
        guard byte == UInt8(ascii: "\"") else { throw .syntax("expected a string key in object", at: index) }
        let key = try readString()
        skipWhitespace()
        guard index < end, bytes[index] == UInt8(ascii: ":") else {
            throw .syntax("expected ':' after object key", at: index)
        }
        index &+= 1
        return key
    }

    /// Iterates array elements: returns `true` when another element follows (positioned at it),
    /// `false` after consuming the closing `]`. `first` must start `true` for each array.
    @inline(__always)
    mutating func nextElement(_ first: inout Bool) throws(WireError) -> Bool {
        skipWhitespace()
        guard index < end else { throw unexpectedEnd() }
        let byte = bytes[index]
        if first {
            first = false
            if byte == UInt8(ascii: "]") {
                index &+= 1
                depth &-= 1
                return false
            }
            return true
        }
        if byte == UInt8(ascii: "]") {
            index &+= 1
            depth &-= 1
            return false
        }
        guard byte == UInt8(ascii: ",") else { throw .syntax("expected ',' or ']' in array", at: index) }
        index &+= 1
        skipWhitespace()
        guard index < end else { throw unexpectedEnd() }
        if bytes[index] == UInt8(ascii: "]") { throw .syntax("trailing comma in array", at: index) }
        return true
    }
}
