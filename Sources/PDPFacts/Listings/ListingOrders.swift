// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// Which key of an assignment leads an order: its tenant or its role.
public protocol AssignmentLead: Sendable {
    static func lead(_ assignment: AssignmentKey) -> String
}

public enum TenantLead: AssignmentLead {
    public static func lead(_ assignment: AssignmentKey) -> String { assignment.tenant }
}

public enum RoleLead: AssignmentLead {
    public static func lead(_ assignment: AssignmentKey) -> String { assignment.role }
}

/// An assignment ordered by its `Lead` key, then as assignments order (user, tenant, role),
/// byte-wise: the assignments of one tenant (or one role) are one range, in user order.
public struct LeadOrdered<Lead: AssignmentLead>: Comparable, Sendable {
    public let assignment: AssignmentKey
    public init(_ assignment: AssignmentKey) { self.assignment = assignment }

    public static func == (a: Self, b: Self) -> Bool { a.assignment == b.assignment }
    public static func < (a: Self, b: Self) -> Bool {
        let lead = FactKey.compareBytes(Lead.lead(a.assignment), Lead.lead(b.assignment))
        return lead != 0 ? lead < 0 : a.assignment < b.assignment
    }
}

/// (tenant, user, role).
public typealias TenantOrdered = LeadOrdered<TenantLead>
/// (role, user, tenant).
public typealias RoleOrdered = LeadOrdered<RoleLead>

/// "`user` holds at least one role in `tenant`", ordered by (tenant, user), byte-wise.
public struct TenantMember: Comparable, Sendable {
    public let tenant: String
    public let user: String
    public init(tenant: String, user: String) {
        self.tenant = tenant
        self.user = user
    }

    public static func == (a: Self, b: Self) -> Bool { FactKey.bytesEqual(a.tenant, b.tenant) && FactKey.bytesEqual(a.user, b.user) }
    public static func < (a: Self, b: Self) -> Bool {
        let tenant = FactKey.compareBytes(a.tenant, b.tenant)
        return tenant != 0 ? tenant < 0 : FactKey.compareBytes(a.user, b.user) < 0
    }
}

/// One set of assignments in the three orders the list filters need.
public struct AssignmentOrders: Sendable {
    /// (user, tenant, role): the order every assignment list answers in.
    public private(set) var byUser = SortedIndex<AssignmentKey>()
    public private(set) var byTenant = SortedIndex<TenantOrdered>()
    public private(set) var byRole = SortedIndex<RoleOrdered>()

    public init() {}

    /// The orders of `assignments` (any order, repeats dropped). O(n log n).
    public init(_ assignments: some Sequence<AssignmentKey>) {
        byUser = SortedIndex(unsorted: assignments)
        var tenantOrder: [TenantOrdered] = []
        var roleOrder: [RoleOrdered] = []
        tenantOrder.reserveCapacity(byUser.count)
        roleOrder.reserveCapacity(byUser.count)
        byUser.forEach { key in
            tenantOrder.append(TenantOrdered(key))
            roleOrder.append(RoleOrdered(key))
            return true
        }
        tenantOrder.sort()
        roleOrder.sort()
        byTenant = SortedIndex(sorted: tenantOrder)
        byRole = SortedIndex(sorted: roleOrder)
    }

    public var count: Int { byUser.count }

    public func contains(_ key: AssignmentKey) -> Bool { byUser.contains(key) }

    mutating func insert(_ key: AssignmentKey) {
        guard byUser.insert(key) else { return }
        byTenant.insert(TenantOrdered(key))
        byRole.insert(RoleOrdered(key))
    }

    mutating func remove(_ key: AssignmentKey) {
        guard byUser.remove(key) else { return }
        byTenant.remove(TenantOrdered(key))
        byRole.remove(RoleOrdered(key))
    }
}
