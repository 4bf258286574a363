// SPDX-License-Identifier: Apache-2.0
import HashTreeCollections
import PDPCore

/// Every fact written through the API, by keys: users, tenants and role assignments.
///
/// A value type over persistent hash tries (`TreeDictionary`): a copy shares all storage with
/// its original, and a change copies only the path to what it touches, so the writer's working
/// copy, the published catalog and the store's own state cost O(change) per write, not
/// O(facts). The assignments of each user and each tenant are indexed, so deleting a user or
/// a tenant touches only its own assignments.
///
/// Keys are ``FactKey``s: compared by their UTF-8 bytes, as decisions compare them.
///
/// It does not know the policy, so an assignment may name a role or tenant the current
/// policy lacks (the server reports those instead of dropping them).
public struct FactsState: Hashable, Sendable {
    public private(set) var users: TreeDictionary<FactKey, UserRecord> = [:]
    public private(set) var tenants: TreeDictionary<FactKey, TenantRecord> = [:]
    /// Each assignment with the time it was made.
    public private(set) var assignments: TreeDictionary<AssignmentKey, Timestamp> = [:]
    private var byUser: TreeDictionary<FactKey, TreeSet<AssignmentKey>> = [:]
    private var byTenant: TreeDictionary<FactKey, TreeSet<AssignmentKey>> = [:]

    public init() {}

    public static func == (a: FactsState, b: FactsState) -> Bool {
        a.users == b.users && a.tenants == b.tenants && a.assignments == b.assignments
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(users)
        hasher.combine(tenants)
        hasher.combine(assignments)
    }

    /// The API record of the user `key`, or `nil`.
    public func user(_ key: String) -> UserRecord? { users[FactKey(key)] }

    /// The API record of the tenant `key`, or `nil`.
    public func tenant(_ key: String) -> TenantRecord? { tenants[FactKey(key)] }

    /// When `key` was assigned, or `nil` when it is not.
    public func assignedAt(_ key: AssignmentKey) -> Timestamp? { assignments[key] }

    /// The API assignments of `user` (unordered). O(1) to get, O(its assignments) to walk.
    public func assignments(ofUser user: String) -> TreeSet<AssignmentKey> { byUser[FactKey(user)] ?? [] }

    /// The API assignments in `tenant` (unordered).
    public func assignments(inTenant tenant: String) -> TreeSet<AssignmentKey> { byTenant[FactKey(tenant)] ?? [] }

    /// Applies one change, in O(what it changes): a user or tenant delete walks only the
    /// deleted object's assignments.
    public mutating func apply(_ mutation: FactsMutation) {
        switch mutation {
        case .putUser(let user):
            users[FactKey(user.key)] = user
        case .deleteUser(let key):
            users[FactKey(key)] = nil
            for assignment in assignments(ofUser: key) { remove(assignment) }
        case .putTenant(let tenant):
            tenants[FactKey(tenant.key)] = tenant
        case .deleteTenant(let key):
            tenants[FactKey(key)] = nil
            for assignment in assignments(inTenant: key) { remove(assignment) }
        case .assign(let key, let time):
            guard assignments[key] == nil else { return }
            assignments[key] = time
            byUser[FactKey(key.user), default: []].insert(key)
            byTenant[FactKey(key.tenant), default: []].insert(key)
        case .unassign(let key):
            remove(key)
        }
    }

    /// Applies changes in order.
    public mutating func apply(_ mutations: some Sequence<FactsMutation>) {
        for mutation in mutations { apply(mutation) }
    }

    private mutating func remove(_ key: AssignmentKey) {
        guard assignments.removeValue(forKey: key) != nil else { return }
        Self.remove(key, under: FactKey(key.user), from: &byUser)
        Self.remove(key, under: FactKey(key.tenant), from: &byTenant)
    }

    private static func remove(_ key: AssignmentKey, under group: FactKey, from index: inout TreeDictionary<FactKey, TreeSet<AssignmentKey>>) {
        guard var members = index.removeValue(forKey: group) else { return }
        members.remove(key)
        if !members.isEmpty { index[group] = members }
    }
}
