// SPDX-License-Identifier: Apache-2.0

/// Users and their grants, split into shards so that a write copies one shard, not all
/// users.
///
/// Publishing a snapshot after one write copies the array of shards (a few words and three
/// retains per shard) and the one shard the write touched. Both grow with the table unless
/// the shard count grows too, so it does: it doubles whenever the shards average more than
/// ``maxAverageShardSize`` users, which keeps a write's copy near O(√n) words (about 500
/// shards of 2,000 users at a million) instead of 1/64 of all users. Doubling rehashes every
/// user once (O(n), amortized O(1) per insert); ``reserve(_:)`` does it up front when the
/// number is known.
struct ShardedUserTable: Sendable {
    static let minimumShardBits = 6
    static let maxAverageShardSize = 2_048
    /// A power of two in count. Bits 40 and up of a key's hash pick its shard: the tables
    /// probe with the low bits, so the two never correlate.
    private var shards: [ByteKeyTable<UserGrants>]
    private(set) var count = 0
    /// Shared by every shard: a key's hash, computed once, picks the shard and the slot.
    private let seed: ByteKeySeed

    init(expectedUsers: Int = 0, seed: ByteKeySeed = .process) {
        var bits = Self.minimumShardBits
        while (1 << bits) * Self.maxAverageShardSize < expectedUsers { bits += 1 }
        let perShard = max(8, expectedUsers >> bits)
        self.seed = seed
        shards = Array(repeating: ByteKeyTable(minimumCapacity: perShard, seed: seed), count: 1 << bits)
    }

    @inline(__always)
    private func hash(_ key: UnsafeRawBufferPointer) -> UInt64 { ByteKeys.hash(key.baseAddress, count: key.count, seed: seed) }

    // A mask from the shard count, which the bounds check loads anyway: no stored shift to
    // load on the check path (5 instructions per /allowed less than a stored shift).
    @inline(__always)
    private func shard(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 40) & (shards.count &- 1) }

    private var shardBits: Int { shards.count.trailingZeroBitCount }

    @inline(__always)
    func grants(forBytes key: UnsafeRawBufferPointer) -> UserGrants? {
        let hash = self.hash(key)
        return shards[shard(hash)].value(forBytes: key, hash: hash)
    }

    func grants(for key: String) -> UserGrants? {
        var key = key
        return key.withUTF8 { grants(forBytes: UnsafeRawBufferPointer($0)) }
    }

    mutating func update(_ grants: UserGrants, for key: String) {
        var key = key
        key.withUTF8 { update(grants, forBytes: UnsafeRawBufferPointer($0)) }
    }

    mutating func update(_ grants: UserGrants, forBytes key: UnsafeRawBufferPointer) {
        guard shards[shard(hash(key))].updateValue(grants, forBytes: key) == nil else { return }
        count += 1
        if count > shards.count * Self.maxAverageShardSize { reshard(bits: shardBits + 1) }
    }

    /// A user a restart is about to add, with the hash of their key: gathered for all users
    /// first, then inserted shard by shard (``insert(_:duplicate:)``).
    struct PendingUser {
        var hash: UInt64
        /// Valid until the batch is inserted (a view into the file's bytes).
        var key: UnsafeRawBufferPointer
        var grants: UserGrants
    }

    /// The hash of `key` and the shard it goes to.
    func place(_ key: UnsafeRawBufferPointer) -> (hash: UInt64, shard: Int) {
        let hash = self.hash(key)
        return (hash, shard(hash))
    }

    var shardCount: Int { shards.count }

    /// Inserts `users`, one shard after the other: each shard's table stays in the cache
    /// while it fills, where inserting a million users in key order misses it on every one
    /// (the hash scatters them). A user already in the table is not replaced: it goes to
    /// `duplicate`, for the caller to merge.
    mutating func insert(_ users: [PendingUser], duplicate: (PendingUser) -> Void) {
        // Counting sort of the users' positions by shard.
        var starts = [Int](repeating: 0, count: shards.count + 1)
        var bytes = [Int](repeating: 0, count: shards.count)
        for user in users {
            let index = shard(user.hash)
            starts[index + 1] += 1
            bytes[index] += user.key.count
        }
        for index in shards.indices { starts[index + 1] += starts[index] }
        var next = starts
        var order = [Int32](repeating: 0, count: users.count)
        for (position, user) in users.enumerated() {
            let index = shard(user.hash)
            order[next[index]] = Int32(position)
            next[index] += 1
        }
        for index in shards.indices where starts[index] < starts[index + 1] {
            // Filled as a local, so that its arrays are surely unique while it grows.
            var table = shards[index]
            shards[index] = ByteKeyTable(minimumCapacity: 0, seed: seed)
            let before = table.count
            table.reserve(more: starts[index + 1] - starts[index], bytes: bytes[index])
            for slot in starts[index]..<starts[index + 1] {
                let user = users[Int(order[slot])]
                if !table.insertIfAbsent(user.grants, forBytes: user.key, hash: user.hash) { duplicate(user) }
            }
            count += table.count - before
            shards[index] = table
        }
        if count > shards.count * Self.maxAverageShardSize { reshard(bits: shardBits + 1) }
    }

    @discardableResult
    mutating func remove(_ key: String) -> Bool {
        var copy = key
        let index = copy.withUTF8 { shard(hash(UnsafeRawBufferPointer($0))) }
        guard shards[index].removeValue(forKey: key) != nil else { return false }
        count -= 1
        return true
    }

    /// Grows the shard count now for `users` users in all, so inserting them does not;
    /// with `sizingShards`, also sizes each shard's table for its share (a restart that
    /// knows it is about to add that many), so no shard regrows either.
    mutating func reserve(_ users: Int, sizingShards: Bool = false) {
        var bits = shardBits
        while (1 << bits) * Self.maxAverageShardSize < users { bits += 1 }
        if bits > shardBits || (sizingShards && count == 0) { reshard(bits: bits, perShard: sizingShards ? users >> bits : nil) }
    }

    /// Every user, shard by shard (not sorted).
    func forEach(_ body: (String, UserGrants) throws -> Void) rethrows {
        for shard in shards { try shard.forEach(body) }
    }

    private mutating func reshard(bits: Int, perShard wanted: Int? = nil) {
        var grown = ShardedUserTable(expectedUsers: 0, seed: seed)
        let perShard = max(8, wanted ?? 0, max(count, 1) >> bits)
        grown.shards = Array(repeating: ByteKeyTable(minimumCapacity: perShard, seed: seed), count: 1 << bits)
        for shard in shards {
            shard.forEach { key, grants in grown.update(grants, for: key) }
        }
        self = grown
    }
}
