// SPDX-License-Identifier: Apache-2.0

/// The key hash of the hash tables before it was seeded (up to commit c2cf39c), kept
/// verbatim so regression tests can build keys that collide under it: a chosen set of user
/// keys all landed in one probe chain and slowed checks on them 50-80 times.
///
/// Its flaw, beyond having no seed: a word with only its top bit flipped passes through
/// `(h ^ w) &* odd` with only the top bit flipped, so a difference can be cancelled by the
/// next word whatever starting state (seed) the hash had.
///
/// `start`, when given, replaces the starting state: the same design with a seed, to show
/// that seeding it alone would not have been enough.
public func unseededHashOfVersion1(_ bytes: [UInt8], start: UInt64? = nil) -> UInt64 {
    bytes.withUnsafeBytes { buffer in
        let count = buffer.count
        var h: UInt64 = start ?? (0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: count)) &* 0x94D0_49BB_1331_11EB
        if let base = buffer.baseAddress, count > 0 {
            var index = 0
            while index &+ 8 < count {
                h = (h ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 29
                index &+= 8
            }
            let tail: UInt64
            if count >= 8 {
                tail = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            } else if count >= 4 {
                tail = UInt64(base.loadUnaligned(as: UInt32.self))
                    | UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)) << 32
            } else {
                tail = UInt64(base.load(as: UInt8.self))
                    | UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self)) << 8
                    | UInt64(base.load(fromByteOffset: count &- 1, as: UInt8.self)) << 16
            }
            h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
        }
        h ^= h >> 30
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 27
        h = h &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }
}

/// `count` distinct ASCII keys (`prefix` + eight digits) whose ``unseededHashOfVersion1(_:)``
/// agrees in the low `bits` bits: in a table of `2^bits` slots they all start probing at
/// the same slot. Found by trying numbers in turn, about `2^bits` tries per key, as an
/// attacker would offline.
public func keysCollidingUnderUnseededHash(count: Int, bits: Int, prefix: String = "user-") -> [[UInt8]] {
    let mask = (UInt64(1) << UInt64(bits)) - 1
    var key = Array(prefix.utf8) + Array(repeating: UInt8(ascii: "0"), count: 8)
    var keys: [[UInt8]] = []
    while keys.count < count {
        if unseededHashOfVersion1(key) & mask == 0 { keys.append(key) }
        // The next number, as an odometer over the digits.
        var digit = key.count - 1
        while key[digit] == UInt8(ascii: "9") {
            key[digit] = UInt8(ascii: "0")
            digit -= 1
        }
        key[digit] += 1
    }
    return keys
}

/// `2^pairs` distinct keys of `16 * pairs + 8` bytes with the same
/// ``unseededHashOfVersion1(_:start:)``, whatever `start`: each 16-byte block is either
/// "ABCDEFGH" "IJKLMNOP" or the same with the top bit of the first word flipped and the
/// difference that leaves in the state (bits 63 and 34) flipped in the second word.
public func keysCollidingUnderUnseededHashForAnySeed(pairs: Int) -> [[UInt8]] {
    let first = Array("ABCDEFGH".utf8)
    let second = Array("IJKLMNOP".utf8)
    var firstFlipped = first
    firstFlipped[7] ^= 0x80  // bit 63 of the little-endian word
    var secondFlipped = second
    secondFlipped[7] ^= 0x80  // bit 63
    secondFlipped[4] ^= 0x04  // bit 34
    return (0..<(1 << pairs)).map { choice in
        var key: [UInt8] = []
        for pair in 0..<pairs {
            key += choice >> pair & 1 == 0 ? first + second : firstFlipped + secondFlipped
        }
        return key + Array("tail-end".utf8)
    }
}
