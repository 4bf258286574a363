// SPDX-License-Identifier: Apache-2.0

/// Random edits of a byte string, for the tests that feed readers damaged input.
public enum ByteEdits {
    /// Makes `count` edits to `bytes`, each at a random position: overwrite with a random
    /// byte, overwrite with one of `interesting`, delete, or insert one of `interesting`.
    public static func apply(
        _ count: Int, to bytes: inout [UInt8], interesting: [UInt8], using generator: inout SplitMix64
    ) {
        for _ in 0..<count where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes[position] = interesting.randomElement(using: &generator) ?? 0
            case 2: bytes.remove(at: position)
            default: bytes.insert(interesting.randomElement(using: &generator) ?? 0, at: position)
            }
        }
    }
}
