// SPDX-License-Identifier: Apache-2.0

@testable import PDPCore
import Testing
import TestSupport

@Suite struct ByteKeyTableTests {
    @Test("keys chosen to share one probe chain under the old unseeded hash are spread out")
    func chosenKeysDoNotShareAProbeChain() {
        // 1,000 user keys whose old hash ends in eleven zero bits: in a table of 2,048 slots
        // they all started probing at slot 0, so the last one inserted probed 1,000 slots and
        // every lookup of them walked the chain (checks on such users were 50-80x slower).
        let keys = keysCollidingUnderUnseededHash(count: 1000, bits: 11)
        var generator = SplitMix64(seed: 0xC0FF_EE)
        for seed in [ByteKeySeed.process, ByteKeySeed(using: &generator), ByteKeySeed(using: &generator)] {
            var table = ByteKeyTable<Int>(minimumCapacity: 1024, seed: seed)
            for (index, key) in keys.enumerated() {
                key.withUnsafeBytes { _ = table.updateValue(index, forBytes: $0) }
            }
            #expect(table.slots.count == 2048, "the table the keys were chosen for")
            // At this load (0.49) a random hash's longest probe is about ten slots.
            #expect(table.longestProbe() <= 40, "longest probe \(table.longestProbe()) with seed \(seed)")
            for (index, key) in keys.enumerated() {
                #expect(key.withUnsafeBytes { table.value(forBytes: $0) } == index)
            }
        }
    }

    @Test func theSameKeysFindTheirValuesAfterGrowingAndRemoving() {
        var table = ByteKeyTable<Int>(seed: ByteKeySeed(state: 1, mask: 2))
        for index in 0..<5000 { table.updateValue(index, forKey: "key-\(index)") }
        for index in stride(from: 0, to: 5000, by: 3) { table.removeValue(forKey: "key-\(index)") }
        for index in 0..<5000 {
            #expect(table.value(for: "key-\(index)") == (index % 3 == 0 ? nil : index))
        }
        #expect(table.count == 5000 - 1667)
        #expect(table.longestProbe() <= 64)
    }
}
