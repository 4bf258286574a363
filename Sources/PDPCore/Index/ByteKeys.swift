// SPDX-License-Identifier: Apache-2.0

// Byte-range equality and hashing for the short keys of the check hot path: user keys,
// actions, resource types and tenants looked up by the decision engine, on bytes inside a
// request buffer, where going through `String` would validate, hash with SipHash and
// sometimes allocate for every lookup. `@inlinable`, so callers in other modules (tests,
// benchmarks) get the same inlined code as the index.
//
// PDPWire, which never imports PDPCore, keeps its own copy of `equal` for JSON member
// names (`WireBytes.equal`); the two must stay alike.

/// Equality and hashing of byte ranges.
public enum ByteKeys {
    /// Whether two regions of `count` bytes are equal.
    ///
    /// Word loads that may overlap instead of a byte loop: the keys compared on the hot path
    /// are mostly 2 to 16 bytes, so this is one or two loads and compares per side, never
    /// reading outside either region. Both pointers must be valid for `count` bytes.
    @inlinable @inline(__always)
    public static func equal(_ lhs: UnsafeRawPointer, _ rhs: UnsafeRawPointer, count: Int) -> Bool {
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

    /// A 64-bit hash of `count` bytes at `base`, keyed by `seed`, for in-memory hash tables
    /// (not stable across processes or versions; never persist it).
    ///
    /// Keys reach the tables from the authenticated facts API and from requests, so an
    /// unkeyed hash let a client compute offline a set of user keys that share one probe
    /// chain and slow every check on them 50-80 times. With a random ``ByteKeySeed`` per
    /// process, which keys collide depends on a secret the client never sees.
    ///
    /// The construction is the fallback memory hash of Go's runtime (derived from wyhash),
    /// which Go keys the same way for the same reason: the key is read as two words `a` and
    /// `b` (loads that may overlap, so nothing outside the key is read; longer keys first fold
    /// 16 bytes at a time into the state), and each step is a folded multiply, the full
    /// 128-bit product of two seed-masked words with its halves xor-ed. A difference in the
    /// input changes the product in a way that depends on the seed, so no input difference
    /// cancels out whatever the seed (the unkeyed hash this replaced had such differences: a
    /// flipped top bit passes through a 64-bit multiply unchanged). Keys up to 16 bytes, the
    /// usual size here, cost two multiplies. `base` may be `nil` only when `count` is 0.
    @inlinable @inline(__always)
    public static func hash(_ base: UnsafeRawPointer?, count: Int, seed: ByteKeySeed) -> UInt64 {
        var state = seed.state
        var a: UInt64 = 0
        var b: UInt64 = 0
        if let base, count > 0 {
            if count <= 16 {
                if count >= 8 {
                    a = base.loadUnaligned(as: UInt64.self)
                    b = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                } else if count >= 4 {
                    a = UInt64(base.loadUnaligned(as: UInt32.self))
                    b = UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
                } else {
                    a = UInt64(base.load(as: UInt8.self))
                        | UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self)) << 8
                        | UInt64(base.load(fromByteOffset: count &- 1, as: UInt8.self)) << 16
                }
            } else {
                var index = 0
                while count &- index > 16 {
                    state = foldedMultiply(
                        base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ seed.mask,
                        base.loadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self) ^ state)
                    index &+= 16
                }
                a = base.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self)
                b = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            }
        }
        // The length goes into the last multiply, so keys that read as the same words
        // ("a" and "aa" both read one byte three times) still differ.
        return foldedMultiply(0x1D8E_4E27_C47D_124F ^ UInt64(truncatingIfNeeded: count), foldedMultiply(a ^ seed.mask, b ^ state))
    }

    /// The high and low halves of the 128-bit product `a * b`, xor-ed: one `mul` on x86-64
    /// and arm64.
    @inlinable @inline(__always)
    static func foldedMultiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }
}
