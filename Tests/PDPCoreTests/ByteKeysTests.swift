// SPDX-License-Identifier: Apache-2.0

import Foundation
@testable import PDPCore
import Testing
import TestSupport

@Suite struct ByteKeysTests {
    @Test func memcmpBytesAgreesWithAByteLoopAtEveryLengthAndDifference() {
        var generator = SplitMix64(seed: 0xB17E_5EED)
        for length in 0...40 {
            let lhs = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            lhs.withUnsafeBytes { left in
                #expect(memcmpBytes(left.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, left.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, length))
            }
            for position in 0..<length {
                var rhs = lhs
                rhs[position] ^= UInt8.random(in: 1...255, using: &generator)
                let equal = lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { memcmpBytes(left.baseAddress!, $0.baseAddress!, length) } }
                #expect(!equal, "length \(length), difference at \(position)")
            }
        }
    }

    @Test func equalKeysHashEquallyWhereverTheyAreInMemory() {
        let key = Array("alice@example.com".utf8)
        for length in 0...key.count {
            let expected = key.withUnsafeBytes { hashBytes($0.baseAddress, length) }
            for shift in 0..<8 {
                // The same bytes at another address and alignment, with other bytes around them.
                var shifted = [UInt8](repeating: 0xAA, count: shift) + key + [0x55, 0x66]
                shifted.withUnsafeMutableBytes { bytes in
                    #expect(hashBytes(UnsafeRawPointer(bytes.baseAddress! + shift), length) == expected, "length \(length), shift \(shift)")
                }
            }
        }
    }

    @Test func prefixesAndPermutationsHashDifferently() {
        let words = ["", "a", "ab", "ba", "abc", "task", "tasks", "user-1", "user-10", "user-01", "readall", "readany", "viewer", "editor", "12345678", "123456789", "1234567890abcdef", "1234567890abcdeg"]
        let hashes = words.map { word in Array(word.utf8).withUnsafeBytes { hashBytes($0.baseAddress, $0.count) } }
        #expect(Set(hashes).count == words.count)
    }

    @Test func everyShortKeyOverASmallAlphabetHashesDistinctly() {
        // Keys of 0-4 bytes are where length and tail share one word; "a" and "ba" once
        // collided there because the length was xor-ed in.
        let alphabet = Array("ab01-_".utf8)
        var keys: [[UInt8]] = [[]]
        var frontier: [[UInt8]] = [[]]
        for _ in 1...4 {
            frontier = frontier.flatMap { prefix in alphabet.map { prefix + [$0] } }
            keys += frontier
        }
        let hashes = Set(keys.map { key in key.withUnsafeBytes { hashBytes($0.baseAddress, $0.count) } })
        #expect(hashes.count == keys.count)
    }

    @Test func lowBitsSpreadLikeARandomFunction() {
        // 100,000 sequential user keys into 2^17 buckets: a random function fills about
        // m(1 - e^(-n/m)) of them. A hash whose low bits ignore some bytes fills far fewer.
        let buckets = 1 << 17
        var used = [Bool](repeating: false, count: buckets)
        for index in 0..<100_000 {
            let hash = Array("user-\(index)".utf8).withUnsafeBytes { hashBytes($0.baseAddress, $0.count) }
            used[Int(hash & UInt64(buckets - 1))] = true
        }
        let filled = Double(used.filter { $0 }.count)
        let expected = Double(buckets) * (1 - exp(-100_000 / Double(buckets)))
        #expect(filled > expected * 0.98, "filled \(filled) of \(buckets), a random function fills \(expected)")
    }
}
