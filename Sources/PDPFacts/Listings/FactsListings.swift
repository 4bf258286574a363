// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// The sorted indexes the list endpoints page through, over both layers (policy files and
/// API), kept in step with every committed write in O(log n) per changed fact and published
/// with each ``FactsCatalog``. A page is then O(log n + page size), never a sort of
/// everything.
public struct FactsListings: Sendable {
    /// Every user key, either layer.
    public private(set) var users = SortedIndex<FactKey>()
    /// Every tenant key, either layer.
    public private(set) var tenants = SortedIndex<FactKey>()
    /// Every assignment, either layer, including those the current policy cannot apply.
    public private(set) var assignments = AssignmentOrders()
    /// The API assignments the current policy cannot apply (unknown role or tenant): kept in
    /// storage, not in effect. A subset of ``assignments``.
    public private(set) var dangling = AssignmentOrders()
    /// (tenant, user) for every user holding a role in the tenant, either layer.
    public private(set) var members = SortedIndex<TenantMember>()

    public init() {}

    /// The listings of `api` and `statics`, with `dangling` the API assignments the policy
    /// cannot apply. O(n log n); run once per policy load.
    public init(api: FactsState, statics: StaticFacts, dangling: [AssignmentKey]) {
        users = SortedIndex(unsorted: Array(api.users.keys) + Array(statics.users.keys))
        tenants = SortedIndex(unsorted: Array(api.tenants.keys) + Array(statics.tenants.keys))
        assignments = AssignmentOrders(Array(api.assignments.keys) + Array(statics.assignments))
        self.dangling = AssignmentOrders(dangling)
        var pairs: [TenantMember] = []
        pairs.reserveCapacity(assignments.count)
        assignments.byTenant.forEach { ordered in
            let member = TenantMember(tenant: ordered.assignment.tenant, user: ordered.assignment.user)
            if pairs.last != member { pairs.append(member) }
            return true
        }
        members = SortedIndex(sorted: pairs)
    }

    /// Keeps the listings in step with one committed mutation. `before` and `after` are the
    /// API facts around it (a user or tenant delete removes the assignments `before` held).
    /// O(log n) per fact it changes.
    public mutating func apply(_ mutation: FactsMutation, before: FactsState, after: FactsState, statics: StaticFacts) {
        switch mutation {
        case .putUser(let user):
            users.insert(FactKey(user.key))
        case .deleteUser(let key):
            if statics.user(key) == nil { users.remove(FactKey(key)) }
            for assignment in before.assignments(ofUser: key) { remove(assignment, after: after, statics: statics) }
        case .putTenant(let tenant):
            tenants.insert(FactKey(tenant.key))
        case .deleteTenant(let key):
            if statics.tenant(key) == nil { tenants.remove(FactKey(key)) }
            for assignment in before.assignments(inTenant: key) { remove(assignment, after: after, statics: statics) }
        case .assign(let key, _):
            assignments.insert(key)
            members.insert(TenantMember(tenant: key.tenant, user: key.user))
        case .unassign(let key):
            if before.assignedAt(key) != nil { remove(key, after: after, statics: statics) }
        }
    }

    /// Removes an API assignment that is gone from `after` (a declared copy stays listed).
    private mutating func remove(_ key: AssignmentKey, after: FactsState, statics: StaticFacts) {
        dangling.remove(key)
        guard !statics.assignments.contains(key) else { return }
        assignments.remove(key)
        let stillMember =
            statics.assignments(ofUser: key.user).contains { FactKey.bytesEqual($0.tenant, key.tenant) }
            || after.assignments(ofUser: key.user).contains { FactKey.bytesEqual($0.tenant, key.tenant) }
        if !stillMember { members.remove(TenantMember(tenant: key.tenant, user: key.user)) }
    }
}
