// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing
import TestSupport

@Suite struct BitsetTests {
    @Test("bits at word boundaries are independent", arguments: [1, 63, 64, 65, 127, 128, 129, 2000])
    func wordBoundaries(width: Int) {
        var bits = Bitset(width: width)
        #expect(bits.words.count == (width + 63) / 64)
        let interesting = Set([0, 62, 63, 64, 65, 127, 128, width - 1].filter { $0 >= 0 && $0 < width })
        for bit in interesting { bits.insert(bit) }
        for bit in 0..<width { #expect(bits.contains(bit) == interesting.contains(bit), "bit \(bit)") }
        #expect(bits.elements == interesting.sorted())
        #expect(bits.count == interesting.count)
        #expect(!bits.contains(width) && !bits.contains(-1))
        for bit in interesting { bits.remove(bit) }
        #expect(bits.isEmpty)
    }

    @Test("union, intersection, difference and xor agree with set algebra")
    func algebra() {
        var rng = SplitMix64(seed: 7)
        for width in [63, 64, 65, 130, 700] {
            for _ in 0..<50 {
                let a = Set((0..<width).filter { _ in rng.next() % 3 == 0 })
                let b = Set((0..<width).filter { _ in rng.next() % 2 == 0 })
                var x = Bitset(width: width)
                var y = Bitset(width: width)
                a.forEach { x.insert($0) }
                b.forEach { y.insert($0) }
                #expect(x.union(y).elements == a.union(b).sorted())
                #expect(x.union(y) == y.union(x))
                #expect(x.intersection(y).elements == a.intersection(b).sorted())
                #expect(x.subtracting(y).elements == a.subtracting(b).sorted())
                #expect(x.symmetricDifference(y).elements == a.symmetricDifference(b).sorted())
                #expect(x.symmetricDifference(y) == x.subtracting(y).union(y.subtracting(x)))
            }
        }
    }
}

