// SPDX-License-Identifier: Apache-2.0
import PDPFacts
import TestSupport
import Testing

@Suite struct SortedIndexTests {
    @Test("random inserts and removes keep the same order, positions and ranges as a sorted array")
    func matchesSortedArray() {
        var generator = SplitMix64(seed: 11)
        var index = SortedIndex<Int>()
        var model: [Int] = []
        for step in 0..<20_000 {
            let value = Int(generator.next() % 5_000)
            if generator.next() % 3 == 0 {
                let removed = index.remove(value)
                #expect(removed == model.contains(value))
                model.removeAll { $0 == value }
            } else {
                let inserted = index.insert(value)
                #expect(inserted == !model.contains(value))
                if inserted { model.insert(value, at: model.firstIndex { $0 > value } ?? model.count) }
            }
            if step % 997 == 0 {
                #expect(index.count == model.count)
                #expect(index.elements(in: 0..<Int.max) == model)
            }
        }
        #expect(index.elements(in: 0..<index.count) == model)
        for position in stride(from: 0, to: model.count, by: 37) {
            #expect(index.element(at: position) == model[position])
            #expect(index.position(of: model[position]) == position)
            #expect(index.elements(in: position..<(position + 10)) == Array(model[position..<min(position + 10, model.count)]))
        }
        #expect(index.element(at: model.count) == nil)
        #expect(index.partitionPoint { $0 < 2_500 } == model.firstIndex { $0 >= 2_500 } ?? model.count)
    }

    @Test("a copy is unaffected by later changes to the original (persistence)")
    func copiesAreIndependent() {
        var index = SortedIndex(sorted: Array(0..<10_000))
        let frozen = index
        for value in stride(from: 0, to: 10_000, by: 2) { index.remove(value) }
        index.insert(20_000)
        #expect(frozen.count == 10_000)
        #expect(frozen.elements(in: 0..<5) == [0, 1, 2, 3, 4])
        #expect(index.count == 5_001)
        #expect(index.elements(in: 0..<3) == [1, 3, 5])
    }

    @Test("removing everything leaves an empty index that still takes inserts")
    func drains() {
        var index = SortedIndex(unsorted: (0..<5_000).reversed())
        for value in 0..<5_000 {
            let removed = index.remove(value)
            #expect(removed)
        }
        #expect(index.isEmpty)
        let removedAgain = index.remove(1)
        #expect(!removedAgain)
        index.insert(7)
        #expect(index.elements(in: 0..<10) == [7])
    }
}
