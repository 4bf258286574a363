// SPDX-License-Identifier: Apache-2.0

/// The secret that keys ``ByteKeys/hash(_:count:seed:)``: two random words.
///
/// Every table of a process hashes with ``process``, drawn once from the system's random
/// source when it is first used, so hashes agree across tables (a sharded table computes a
/// key's hash once for the shard and the slot) and differ from one run to the next. Tests
/// make fixed seeds with ``init(state:mask:)``.
public struct ByteKeySeed: Sendable, Hashable {
    /// The starting state of the hash.
    public let state: UInt64
    /// Xor-ed into every word before it is multiplied. Odd, so it is never zero.
    public let mask: UInt64

    /// A seed from two words; `mask` is made odd.
    public init(state: UInt64, mask: UInt64) {
        self.state = state
        self.mask = mask | 1
    }

    /// A fresh seed from `generator`.
    public init(using generator: inout some RandomNumberGenerator) {
        self.init(state: generator.next(), mask: generator.next())
    }

    /// This process's seed: random, drawn once (from `SystemRandomNumberGenerator`, the
    /// kernel's random source, which traps only if the kernel has none to give).
    ///
    /// Read it when a table is made, not per lookup: a table keeps a copy, so the hot path
    /// loads two words from the table instead of checking a lazily initialized global.
    public static let process: ByteKeySeed = {
        var generator = SystemRandomNumberGenerator()
        return ByteKeySeed(using: &generator)
    }()
}
