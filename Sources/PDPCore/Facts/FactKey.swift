// SPDX-License-Identifier: Apache-2.0

/// A user, tenant or role key compared by its UTF-8 bytes.
///
/// Swift's `String` equality, hashing and ordering follow Unicode canonical equivalence, so
/// "é" written precomposed (NFC, `C3 A9`) and decomposed (NFD, `65 CC 81`) are one key to a
/// `[String: ...]`, while decisions look keys up by their bytes (``ByteKeyTable``) and see two.
/// Every map and order of the facts layer goes through this type (or the byte comparisons
/// below), so the API and the decisions agree on which keys are the same: byte-equal ones.
public struct FactKey: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let string: String

    @inlinable public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { self.string = value }

    public var description: String { string }

    public static func == (a: FactKey, b: FactKey) -> Bool { bytesEqual(a.string, b.string) }
    public static func < (a: FactKey, b: FactKey) -> Bool { compareBytes(a.string, b.string) < 0 }

    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil { for byte in string.utf8 { hasher.combine(byte) } }
    }

    /// Whether `a` and `b` have the same UTF-8 bytes (not canonical equivalence).
    public static func bytesEqual(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        // O(1) for native strings, and most unequal keys differ in length.
        guard x.count == y.count else { return false }
        let fast = x.withContiguousStorageIfAvailable { xs in
            y.withContiguousStorageIfAvailable { ys in
                xs.isEmpty || ByteKeys.equal(xs.baseAddress!, ys.baseAddress!, count: xs.count)
            }
        }
        return (fast ?? nil) ?? x.elementsEqual(y)
    }

    /// The order of `a` and `b` by their UTF-8 bytes (the order of their Unicode scalars):
    /// negative, zero or positive.
    public static func compareBytes(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { xs in
            b.utf8.withContiguousStorageIfAvailable { ys in compare(xs, ys) }
        }
        if let result = fast ?? nil { return result }
        let xs = Array(a.utf8), ys = Array(b.utf8)
        return xs.withUnsafeBufferPointer { xs in ys.withUnsafeBufferPointer { ys in compare(xs, ys) } }
    }

    // Concrete buffers, not a generic collection: lists sort millions of keys, and an
    // unspecialized generic loop costs a witness call per byte in debug builds.
    static func compare(_ xs: UnsafeBufferPointer<UInt8>, _ ys: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(xs.count, ys.count)
        var index = 0
        while index < common {
            let x = xs[index], y = ys[index]
            if x != y { return x < y ? -1 : 1 }
            index &+= 1
        }
        return xs.count - ys.count
    }
}
