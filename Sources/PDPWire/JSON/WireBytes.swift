// SPDX-License-Identifier: Apache-2.0

// Byte-range equality for JSON member names and keys inside a request buffer. PDPWire does
// not import PDPCore (ARCHITECTURE.md), and PDPCore imports nothing but the standard
// library, so this is PDPCore's `ByteKeys.equal`, copied; the two must stay alike.

/// Equality of byte ranges.
@usableFromInline
enum WireBytes {
    /// Whether two regions of `count` bytes are equal.
    ///
    /// Word loads that may overlap instead of a byte loop: the keys compared on the hot path
    /// are mostly 2 to 16 bytes, so this is one or two loads and compares per side, never
    /// reading outside either region. Both pointers must be valid for `count` bytes.
    @inlinable @inline(__always)
    static func equal(_ lhs: UnsafeRawPointer, _ rhs: UnsafeRawPointer, count: Int) -> Bool {
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
}
