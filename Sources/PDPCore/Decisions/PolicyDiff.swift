// SPDX-License-Identifier: Apache-2.0

/// Which decisions change between two policy versions: for every role and every user, the
/// permissions gained and lost (per tenant for users).
///
/// Both policies' bitsets are re-indexed into one shared permission space (the union of
/// their `type:action` strings), after which a change is a word-wise XOR.
public struct PolicyDiff: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case added, removed, changed
    }

    public struct RoleChange: Sendable, Hashable {
        public var role: String
        public var status: Status
        public var gained: [String]
        public var lost: [String]
    }

    public struct UserChange: Sendable, Hashable {
        public var user: String
        public var tenant: String
        public var gained: [String]
        public var lost: [String]
    }

    public var roles: [RoleChange]
    public var users: [UserChange]

    /// `true` when no role's or user's permissions differ.
    public var isEmpty: Bool { roles.isEmpty && users.isEmpty }

    /// Compares `old` with `new`. Users are compared by their assignments in each snapshot.
    public init(from old: PolicySnapshot, to new: PolicySnapshot) {
        var space: [String: Int] = [:]
        var names: [String] = []
        for policy in [old.policy, new.policy] {
            for slot in 0..<policy.slotCount {
                let name = policy.permissionString(PermissionSlot(Int32(slot)))
                if space[name] == nil {
                    space[name] = names.count
                    names.append(name)
                }
            }
        }
        func project(_ bits: Bitset, _ policy: CompiledPolicy) -> Bitset {
            var result = Bitset(width: names.count)
            for bit in bits.elements {
                if let index = space[policy.permissionString(PermissionSlot(Int32(bit)))] { result.insert(index) }
            }
            return result
        }
        func delta(_ a: Bitset, _ b: Bitset) -> (gained: [String], lost: [String])? {
            let changed = a.symmetricDifference(b)
            guard !changed.isEmpty else { return nil }
            return (b.intersection(changed).elements.map { names[$0] }, a.intersection(changed).elements.map { names[$0] })
        }
        let empty = Bitset(width: names.count)

        var roles: [RoleChange] = []
        let roleKeys = Set(old.policy.roles.map(\.key)).union(new.policy.roles.map(\.key)).sorted()
        for key in roleKeys {
            let before = old.policy.roleID(key).map { project(old.policy.roles[$0.index].effective, old.policy) }
            let after = new.policy.roleID(key).map { project(new.policy.roles[$0.index].effective, new.policy) }
            let status: Status = before == nil ? .added : after == nil ? .removed : .changed
            if let (gained, lost) = delta(before ?? empty, after ?? empty) {
                roles.append(RoleChange(role: key, status: status, gained: gained, lost: lost))
            } else if status != .changed {
                roles.append(RoleChange(role: key, status: status, gained: [], lost: []))
            }
        }

        func userBits(_ snapshot: PolicySnapshot) -> [String: [String: Bitset]] {
            var result: [String: [String: Bitset]] = [:]
            snapshot.facts.forEachUser { user, assignments in
                for (tenantID, roleIDs) in assignments {
                    guard let tenant = snapshot.facts.tenant(tenantID)?.key else { continue }
                    var bits = Bitset(width: snapshot.policy.slotCount)
                    for role in roleIDs { bits.formUnion(snapshot.policy.roles[role.index].effective) }
                    result[user, default: [:]][tenant] = project(bits, snapshot.policy)
                }
            }
            return result
        }
        let oldUsers = userBits(old)
        let newUsers = userBits(new)
        var users: [UserChange] = []
        for user in Set(oldUsers.keys).union(newUsers.keys).sorted() {
            let tenants = Set(oldUsers[user]?.keys ?? [:].keys).union(newUsers[user]?.keys ?? [:].keys)
            for tenant in tenants.sorted() {
                if let (gained, lost) = delta(oldUsers[user]?[tenant] ?? empty, newUsers[user]?[tenant] ?? empty) {
                    users.append(UserChange(user: user, tenant: tenant, gained: gained, lost: lost))
                }
            }
        }
        self.roles = roles
        self.users = users
    }
}
