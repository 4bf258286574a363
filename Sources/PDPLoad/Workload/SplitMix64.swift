// SPDX-License-Identifier: Apache-2.0

/// A small, fast, seeded generator (SplitMix64) so that a workload is the same on every run
/// and platform for a given seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `true` with probability `fraction`.
    mutating func chance(_ fraction: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < fraction
    }

    /// A uniformly chosen index below `count` (which must be positive).
    mutating func index(_ count: Int) -> Int {
        Int(next() % UInt64(count))
    }
}
