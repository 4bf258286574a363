// SPDX-License-Identifier: Apache-2.0

/// A fixed-width set of permission slots, stored as 64-bit words.
///
/// The compiled policy keeps its bitsets in flat word arrays (see ``BitsetStorage``); this
/// value type is for building them and for the explanatory APIs (diff, permissions).
public struct Bitset: Hashable, Sendable {
    public private(set) var words: [UInt64]
    /// Number of usable bits.
    public let width: Int

    public init(width: Int) {
        self.width = width
        self.words = Array(repeating: 0, count: Bitset.wordCount(forWidth: width))
    }

    public init(width: Int, words: some Collection<UInt64>) {
        precondition(words.count == Bitset.wordCount(forWidth: width), "word count does not match width")
        self.width = width
        self.words = Array(words)
    }

    @inlinable public static func wordCount(forWidth width: Int) -> Int { (width + 63) >> 6 }

    @inlinable public func contains(_ bit: Int) -> Bool {
        bit >= 0 && bit < width && words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    public mutating func insert(_ bit: Int) {
        precondition(bit >= 0 && bit < width, "bit out of range")
        words[bit >> 6] |= 1 << UInt64(bit & 63)
    }

    public mutating func remove(_ bit: Int) {
        precondition(bit >= 0 && bit < width, "bit out of range")
        words[bit >> 6] &= ~(1 << UInt64(bit & 63))
    }

    public mutating func formUnion(_ other: Bitset) {
        precondition(other.width == width, "width mismatch")
        for i in words.indices { words[i] |= other.words[i] }
    }

    public func union(_ other: Bitset) -> Bitset { var copy = self; copy.formUnion(other); return copy }

    public func intersection(_ other: Bitset) -> Bitset {
        precondition(other.width == width, "width mismatch")
        var copy = self
        for i in words.indices { copy.words[i] &= other.words[i] }
        return copy
    }

    public func symmetricDifference(_ other: Bitset) -> Bitset {
        precondition(other.width == width, "width mismatch")
        var copy = self
        for i in words.indices { copy.words[i] ^= other.words[i] }
        return copy
    }

    /// Bits in `self` and not in `other`.
    public func subtracting(_ other: Bitset) -> Bitset {
        precondition(other.width == width, "width mismatch")
        var copy = self
        for i in words.indices { copy.words[i] &= ~other.words[i] }
        return copy
    }

    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The set bits in ascending order.
    public var elements: [Int] {
        var result: [Int] = []
        for (wordIndex, word) in words.enumerated() {
            var w = word
            while w != 0 {
                result.append(wordIndex << 6 + w.trailingZeroBitCount)
                w &= w - 1
            }
        }
        return result
    }
}
