// SPDX-License-Identifier: Apache-2.0
import PDPBytes

/// Users and their grants, split into shards so that a write copies one shard, not all
/// users: publishing a new snapshot after one role assignment costs about 1/64 of the table
/// instead of all of it (a million users would otherwise mean a multi-megabyte copy per write).
struct ShardedUserTable: Sendable {
    static let shardBits = 6
    private var shards: [ByteKeyTable<UserGrants>]
    private(set) var count = 0
    /// Shared by every shard: a key's hash, computed once, picks the shard and the slot.
    private let seed: ByteKeySeed

    init(expectedUsers: Int = 0, seed: ByteKeySeed = .process) {
        let perShard = max(8, expectedUsers >> Self.shardBits)
        self.seed = seed
        shards = Array(repeating: ByteKeyTable(minimumCapacity: perShard, seed: seed), count: 1 << Self.shardBits)
    }

    @inline(__always)
    private func hash(_ key: UnsafeRawBufferPointer) -> UInt64 { ByteKeys.hash(key.baseAddress, count: key.count, seed: seed) }

    @inline(__always)
    private static func shard(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> (64 - UInt64(shardBits))) }

    @inline(__always)
    func grants(forBytes key: UnsafeRawBufferPointer) -> UserGrants? {
        let hash = self.hash(key)
        return shards[Self.shard(hash)].value(forBytes: key, hash: hash)
    }

    func grants(for key: String) -> UserGrants? {
        var key = key
        return key.withUTF8 { grants(forBytes: UnsafeRawBufferPointer($0)) }
    }

    mutating func update(_ grants: UserGrants, for key: String) {
        var key = key
        key.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            let shard = Self.shard(hash(raw))
            if shards[shard].updateValue(grants, forBytes: raw) == nil { count += 1 }
        }
    }

    @discardableResult
    mutating func remove(_ key: String) -> Bool {
        var copy = key
        let shard = copy.withUTF8 { Self.shard(hash(UnsafeRawBufferPointer($0))) }
        guard shards[shard].removeValue(forKey: key) != nil else { return false }
        count -= 1
        return true
    }

    /// Every user, shard by shard (not sorted).
    func forEach(_ body: (String, UserGrants) throws -> Void) rethrows {
        for shard in shards { try shard.forEach(body) }
    }
}
