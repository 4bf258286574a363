// SPDX-License-Identifier: Apache-2.0
@testable import PDPWire
import Testing
import TestSupport

/// PDPWire's copy of PDPCore's `ByteKeys.equal` (PDPWire does not import PDPCore): the same
/// check as `ByteKeysTests`, so the two stay alike.
@Suite struct WireBytesTests {
    @Test func equalAgreesWithAByteLoopAtEveryLengthAndDifference() {
        var generator = SplitMix64(seed: 0xB17E_5EED)
        for length in 0...40 {
            let lhs = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            lhs.withUnsafeBytes { left in
                let base = left.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                #expect(WireBytes.equal(base, base, count: length))
            }
            for position in 0..<length {
                var rhs = lhs
                rhs[position] ^= UInt8.random(in: 1...255, using: &generator)
                let equal = lhs.withUnsafeBytes { left in
                    rhs.withUnsafeBytes { WireBytes.equal(left.baseAddress!, $0.baseAddress!, count: length) }
                }
                #expect(!equal, "length \(length), difference at \(position)")
            }
        }
    }
}
