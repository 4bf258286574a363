// SPDX-License-Identifier: Apache-2.0

// Why a second reader for one shape: every official SDK's `permit.check(...)` sends the same
// members in the same order (permit-wire.md §6):
//
//   {"user": {"key": K}, "action": A, "resource": {"type": T, "key": K|null, "tenant": N,
//    "context": {"tenant": N}}, "context": {}}
//
// The general reader (`readCheckFields`) finds each member by reading its name as a string
// and comparing it with every name it knows, ten times per check; that was 35% of the
// instructions of a bulk item (callgrind, 1,133 of 3,280 in `nextKey` alone). Reading the
// expected names in the expected order is a word compare per name. Anything else — another
// order, more members, escapes, non-ASCII bytes, a null tenant, a non-empty top-level
// context — makes this reader give up without having changed the cursor, and the general
// reader reads the check from the same place: so the fields (and every error) are exactly
// the general reader's. Tests/PDPWireTests/SDKShapeReaderTests and the FuzzCheckBody and
// FuzzBulkBody targets compare the two readers on the same bytes.

extension JSONCursor {
    /// Reads one check written in the SDKs' shape (any JSON whitespace between tokens), or
    /// returns `nil` with the cursor untouched when the bytes are not exactly that shape.
    @inline(__always)
    mutating func readSDKShapedCheck() -> CheckFields? {
        // The shape nests three objects deep (the check, `resource`, `resource.context`): one
        // that the depth limit would refuse is left to the general reader, which reports it.
        guard depth &+ 3 <= maxDepth, let base = bytes.baseAddress else { return nil }
        var shape = SDKShapeReader(base: base, end: end, position: index)
        guard shape.expect(UInt8(ascii: "{")), shape.expectKey("user"), shape.expect(UInt8(ascii: "{")),
            shape.expectKey("key"), let user = shape.plainString(), shape.expect(UInt8(ascii: "}")),
            shape.expect(UInt8(ascii: ",")), shape.expectKey("action"), let action = shape.plainString(),
            shape.expect(UInt8(ascii: ",")), shape.expectKey("resource"), shape.expect(UInt8(ascii: "{")),
            shape.expectKey("type"), let type = shape.plainString(),
            shape.expect(UInt8(ascii: ",")), shape.expectKey("key"), let key = shape.plainStringOrNull(),
            shape.expect(UInt8(ascii: ",")), shape.expectKey("tenant"), let tenant = shape.plainString(),
            shape.expect(UInt8(ascii: ",")), shape.expectKey("context"), shape.expect(UInt8(ascii: "{")),
            shape.expectKey("tenant"), shape.plainString() != nil, shape.expect(UInt8(ascii: "}")),
            shape.expect(UInt8(ascii: "}")),
            shape.expect(UInt8(ascii: ",")), shape.expectKey("context"), shape.expect(UInt8(ascii: "{")),
            shape.expect(UInt8(ascii: "}")),
            shape.expect(UInt8(ascii: "}"))
        else { return nil }
        index = shape.position
        // `resource.tenant` is a string, so the general reader would not use `context.tenant`.
        return CheckFields(userKey: user, action: action, resourceType: type, resourceKey: key, tenant: tenant)
    }
}

/// Matches tokens at a position in a body, never reading past `end`; every method returns
/// `false` or `nil` at the first byte that is not what it expects.
struct SDKShapeReader {
    let base: UnsafeRawPointer
    let end: Int
    var position: Int

    /// `JSONCursor.skipWhitespace()` over a raw pointer. Deliberately a copy: both calling one
    /// shared static function measured 1,785 instructions per bulk check against 1,757 with the
    /// two loops (callgrind_allowed.sh --bulk).
    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            guard byte <= 0x20, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position &+= 1
        }
    }

    /// Whitespace, then `byte`.
    @inline(__always)
    mutating func expect(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < end, base.load(fromByteOffset: position, as: UInt8.self) == byte else { return false }
        position &+= 1
        return true
    }

    /// Whitespace, `"name"` written without escapes, whitespace and `:`.
    @inline(__always)
    mutating func expectKey(_ name: StaticString) -> Bool {
        skipWhitespace()
        let count = name.utf8CodeUnitCount
        guard position &+ count &+ 2 <= end, base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: "\""),
            base.load(fromByteOffset: position &+ count &+ 1, as: UInt8.self) == UInt8(ascii: "\""),
            WireBytes.equal(base + (position &+ 1), UnsafeRawPointer(name.utf8Start), count: count)
        else { return false }
        position &+= count &+ 2
        return expect(UInt8(ascii: ":"))
    }

    /// Whitespace and a string of printable ASCII without escapes: its bytes, as a view into
    /// the body (what the general reader returns for such a string).
    @inline(__always)
    mutating func plainString() -> JSONStringView? {
        skipWhitespace()
        guard position < end, base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: "\"") else { return nil }
        let start = position &+ 1
        let stop = JSONCursor.firstStopByte(base, from: start, end: end)
        guard stop < end, base.load(fromByteOffset: stop, as: UInt8.self) == UInt8(ascii: "\"") else { return nil }
        position = stop &+ 1
        return JSONStringView(bytes: UnsafeRawBufferPointer(start: base + start, count: stop &- start))
    }

    /// A plain string, or `.some(nil)` for `null`; `nil` for anything else.
    @inline(__always)
    mutating func plainStringOrNull() -> JSONStringView?? {
        skipWhitespace()
        if position &+ 4 <= end, base.loadUnaligned(fromByteOffset: position, as: UInt32.self) == Self.null {
            position &+= 4
            return .some(nil)
        }
        guard let string = plainString() else { return nil }
        return .some(string)
    }

    /// `null` as four bytes read as one little-endian word.
    private static let null = UInt32(littleEndian: 0x6C6C_756E)
}
