// SPDX-License-Identifier: Apache-2.0

// Byte-range equality and hashing for the short keys of the check hot path: user keys,
// actions, resource types and tenants looked up by the decision engine (PDPCore), and JSON
// member names compared by the wire reader (PDPWire). Both work on bytes inside a request
// buffer, where going through `String` would validate, hash with SipHash and sometimes
// allocate for every lookup.
//
// One file compiled into both modules (Sources/PDPWire/JSON/ByteKeys.swift is a symbolic
// link to this one): PDPCore imports nothing but the standard library and PDPWire never
// imports PDPCore, so neither can take these from the other or from a shared module. Internal
// (`@usableFromInline`) in each, so the two copies never meet in a module that imports both.

/// Equality of two regions of `count` bytes.
///
/// Word loads that may overlap instead of a byte loop: the keys compared on the hot path are
/// mostly 2 to 16 bytes, so this is one or two loads and compares per side, never reading
/// outside either region.
@inlinable @inline(__always)
func memcmpBytes(_ lhs: UnsafeRawPointer, _ rhs: UnsafeRawPointer, _ count: Int) -> Bool {
    if count >= 8 {
        var index = 0
        while index &+ 8 < count {
            if lhs.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != rhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) { return false }
            index &+= 8
        }
        let last = count &- 8
        return lhs.loadUnaligned(fromByteOffset: last, as: UInt64.self)
            == rhs.loadUnaligned(fromByteOffset: last, as: UInt64.self)
    }
    if count >= 4 {
        let last = count &- 4
        return lhs.loadUnaligned(as: UInt32.self) == rhs.loadUnaligned(as: UInt32.self)
            && lhs.loadUnaligned(fromByteOffset: last, as: UInt32.self) == rhs.loadUnaligned(fromByteOffset: last, as: UInt32.self)
    }
    if count >= 2 {
        let last = count &- 2
        return lhs.loadUnaligned(as: UInt16.self) == rhs.loadUnaligned(as: UInt16.self)
            && lhs.loadUnaligned(fromByteOffset: last, as: UInt16.self) == rhs.loadUnaligned(fromByteOffset: last, as: UInt16.self)
    }
    return count == 0 || lhs.load(as: UInt8.self) == rhs.load(as: UInt8.self)
}

/// A 64-bit hash of `count` bytes for in-memory hash tables (not stable across versions,
/// never persisted, not a defence against chosen keys: the tables are filled from the policy
/// and the authenticated facts API, and requests only look up).
///
/// Eight bytes per step: each word is folded in with a multiply and a shift, the length is
/// mixed in first so that keys which are prefixes of each other differ, and a final avalanche (the
/// splitmix64 finalizer) makes the low bits used for probing depend on every byte. A tail
/// shorter than a word is read with loads that may overlap (as ``memcmpBytes(_:_:_:)`` does),
/// so nothing outside the key is read. Replaces byte-at-a-time FNV-1a, which cost about four
/// instructions per byte on every lookup.
@inlinable @inline(__always)
func hashBytes(_ base: UnsafeRawPointer?, _ count: Int) -> UInt64 {
    // The length goes through a multiply before any data is folded in: xor-ing it straight
    // into the state let a 1-byte and a 2-byte key cancel out ("a" and "ba" collided).
    var h: UInt64 = (0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: count)) &* 0x94D0_49BB_1331_11EB
    if let base, count > 0 {
        var index = 0
        while index &+ 8 < count {
            h = (h ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            index &+= 8
        }
        let tail: UInt64
        if count >= 8 {
            tail = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4 {
            tail = UInt64(base.loadUnaligned(as: UInt32.self))
                | UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)) << 32
        } else {
            tail = UInt64(base.load(as: UInt8.self))
                | UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self)) << 8
                | UInt64(base.load(fromByteOffset: count &- 1, as: UInt8.self)) << 16
        }
        h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
    }
    h ^= h >> 30
    h = h &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 27
    h = h &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
}
