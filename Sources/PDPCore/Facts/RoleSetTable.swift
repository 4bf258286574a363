// SPDX-License-Identifier: Apache-2.0

/// An interned set of roles held together in one tenant, with the union of their bitsets.
///
/// Users rarely hold unusual combinations of roles, so a million (user, tenant) pairs share a
/// handful of role sets: each pair stores a 4-byte id instead of its own bitset, and a check
/// is one word load and one bit test in the shared storage.
public struct RoleSetID: Hashable, Sendable {
    public let rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// Append-only table of role sets. A copy-on-write value: snapshots share it until a write
/// introduces a new combination.
struct RoleSetTable: Sendable {
    private(set) var members: [[RoleID]] = []
    private var ids: [[RoleID]: RoleSetID] = [:]
    /// The set of each single role, by role index, once interned: most users hold one role
    /// in a tenant, and a restart interns a million of those without making an array each.
    private var singles: [RoleSetID?] = []
    /// Flattened bitsets, `wordsPerSet` words per role set.
    private(set) var words: [UInt64] = []
    let wordsPerSet: Int

    init(width: Int) {
        wordsPerSet = max(1, Bitset.wordCount(forWidth: width))
    }

    /// The id of the set holding exactly `roles` (sorted, unique), interning it if new.
    mutating func intern(_ roles: [RoleID], policy: CompiledPolicy) -> RoleSetID {
        if let id = ids[roles] { return id }
        let id = RoleSetID(Int32(members.count))
        members.append(roles)
        ids[roles] = id
        var union = Array(repeating: UInt64(0), count: wordsPerSet)
        for role in roles {
            for (i, word) in policy.roles[role.index].effective.words.enumerated() { union[i] |= word }
        }
        words.append(contentsOf: union)
        return id
    }

    /// ``intern(_:policy:)`` of `[role]`.
    mutating func intern(single role: RoleID, policy: CompiledPolicy) -> RoleSetID {
        let index = role.index
        if index < singles.count, let id = singles[index] { return id }
        let id = intern([role], policy: policy)
        if singles.count <= index { singles += Array(repeating: nil, count: index + 1 - singles.count) }
        singles[index] = id
        return id
    }

    @inline(__always)
    func contains(_ set: RoleSetID, _ slot: PermissionSlot) -> Bool {
        let word = words[Int(set.rawValue) &* wordsPerSet &+ (slot.index >> 6)]
        return word & (1 &<< UInt64(slot.index & 63)) != 0
    }

    func bitset(_ set: RoleSetID, width: Int) -> Bitset {
        let start = Int(set.rawValue) * wordsPerSet
        return Bitset(width: width, words: words[start..<start + Bitset.wordCount(forWidth: width)])
    }
}
