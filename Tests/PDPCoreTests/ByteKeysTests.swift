// SPDX-License-Identifier: Apache-2.0

import Foundation
@testable import PDPCore
import Testing
import TestSupport

@Suite struct ByteKeysTests {
    /// A fixed seed, so failures replay. Random-looking, as the process's seed is: a
    /// structured one (a mask that is the state's complement, a zero state) makes the
    /// multiplies structured too, and short keys collide.
    static let seed: ByteKeySeed = {
        var generator = SplitMix64(seed: 1)
        return ByteKeySeed(using: &generator)
    }()

    static func hash(_ bytes: [UInt8], seed: ByteKeySeed = Self.seed) -> UInt64 {
        bytes.withUnsafeBytes { ByteKeys.hash($0.baseAddress, count: $0.count, seed: seed) }
    }

    @Test func equalAgreesWithAByteLoopAtEveryLengthAndDifference() {
        var generator = SplitMix64(seed: 0xB17E_5EED)
        for length in 0...40 {
            let lhs = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            lhs.withUnsafeBytes { left in
                let base = left.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                #expect(ByteKeys.equal(base, base, count: length))
            }
            for position in 0..<length {
                var rhs = lhs
                rhs[position] ^= UInt8.random(in: 1...255, using: &generator)
                let equal = lhs.withUnsafeBytes { left in
                    rhs.withUnsafeBytes { ByteKeys.equal(left.baseAddress!, $0.baseAddress!, count: length) }
                }
                #expect(!equal, "length \(length), difference at \(position)")
            }
        }
    }

    @Test func equalKeysHashEquallyWhereverTheyAreInMemory() {
        let key = Array("alice@example.com, a key longer than one block".utf8)
        for length in 0...key.count {
            let expected = key.withUnsafeBytes { ByteKeys.hash($0.baseAddress, count: length, seed: Self.seed) }
            for shift in 0..<8 {
                // The same bytes at another address and alignment, with other bytes around them.
                var shifted = [UInt8](repeating: 0xAA, count: shift) + key + [0x55, 0x66]
                shifted.withUnsafeMutableBytes { bytes in
                    let hash = ByteKeys.hash(UnsafeRawPointer(bytes.baseAddress! + shift), count: length, seed: Self.seed)
                    #expect(hash == expected, "length \(length), shift \(shift)")
                }
            }
        }
    }

    @Test func prefixesAndPermutationsHashDifferently() {
        let words = [
            "", "a", "aa", "aaa", "ab", "ba", "abc", "task", "tasks", "user-1", "user-10", "user-01", "readall", "readany",
            "viewer", "editor", "12345678", "123456789", "1234567890abcdef", "1234567890abcdeg", "1234567890abcdef1",
            "1234567890abcdef1234567890abcdef", "1234567890abcdef1234567890abcdeg", "1234567890abcdef1234567890abcdef!",
        ]
        for seed in [Self.seed, .process] {
            let hashes = words.map { Self.hash(Array($0.utf8), seed: seed) }
            #expect(Set(hashes).count == words.count, "seed \(seed)")
        }
    }

    @Test func everyShortKeyOverASmallAlphabetHashesDistinctly() {
        // Keys of 0-4 bytes read the same byte more than once ("a" reads as three a's), so
        // the length must tell "a" from "aa" and "aaa".
        let alphabet = Array("ab01-_".utf8)
        var keys: [[UInt8]] = [[]]
        var frontier: [[UInt8]] = [[]]
        for _ in 1...4 {
            frontier = frontier.flatMap { prefix in alphabet.map { prefix + [$0] } }
            keys += frontier
        }
        let hashes = Set(keys.map { Self.hash($0) })
        #expect(hashes.count == keys.count)
    }

    @Test func lowBitsSpreadLikeARandomFunction() {
        // 100,000 sequential user keys into 2^17 buckets: a random function fills about
        // m(1 - e^(-n/m)) of them. A hash whose low bits ignore some bytes fills far fewer.
        let buckets = 1 << 17
        for seed in [Self.seed, .process] {
            var used = [Bool](repeating: false, count: buckets)
            for index in 0..<100_000 {
                used[Int(Self.hash(Array("user-\(index)".utf8), seed: seed) & UInt64(buckets - 1))] = true
            }
            let filled = Double(used.filter { $0 }.count)
            let expected = Double(buckets) * (1 - exp(-100_000 / Double(buckets)))
            #expect(filled > expected * 0.98, "filled \(filled) of \(buckets), a random function fills \(expected)")
        }
    }

    @Test func theSeedDecidesTheHash() {
        var generator = SplitMix64(seed: 7)
        let seeds = (0..<64).map { _ in ByteKeySeed(using: &generator) }
        for key in ["", "a", "alice", "alice@example.com", String(repeating: "x", count: 40)] {
            let hashes = Set(seeds.map { Self.hash(Array(key.utf8), seed: $0) })
            #expect(hashes.count == seeds.count, "`\(key)`: \(hashes.count) distinct hashes under \(seeds.count) seeds")
        }
    }

    @Test("keys that collide under the old hash whatever its seed do not collide under the new one")
    func noSeedIndependentCollisions() {
        // 1,024 keys with one old hash for every starting state: seeding the old design would
        // not have helped. Under the new hash they must all differ, for any seed.
        let keys = keysCollidingUnderUnseededHashForAnySeed(pairs: 10)
        #expect(Set(keys).count == 1024)
        for start: UInt64 in [0, 1, 0xDEAD_BEEF, .max] {
            #expect(Set(keys.map { unseededHashOfVersion1($0, start: start) }).count == 1, "the old design, started at \(start)")
        }
        var generator = SplitMix64(seed: 11)
        for seed in [Self.seed, .process, ByteKeySeed(using: &generator)] {
            let hashes = keys.map { Self.hash($0, seed: seed) }
            #expect(Set(hashes).count == keys.count)
            // Nor do they crowd the low bits that pick a slot: 1,024 keys into 4,096 slots.
            let slots = Set(hashes.map { $0 & 4095 })
            #expect(slots.count > 850, "\(slots.count) distinct slots; a random function gives about 906")
        }
    }

    @Test func theProcessSeedIsDrawnOnceAndIsNotAConstant() {
        #expect(ByteKeySeed.process == ByteKeySeed.process)
        var system = SystemRandomNumberGenerator()
        let fresh = ByteKeySeed(using: &system)
        #expect(fresh != ByteKeySeed.process, "two draws of 128 random bits agree with probability 2^-127")
        #expect(ByteKeySeed.process.mask & 1 == 1)
    }
}
