// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// One page of a sorted listing, and the size of the whole listing.
public struct ListingPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
}

/// The `user`, `role` and `tenant` filters of an assignment list (each repeatable; empty
/// means any).
public struct AssignmentFilter: Sendable {
    public var users: [String]
    public var roles: [String]
    public var tenants: [String]

    public init(users: [String] = [], roles: [String] = [], tenants: [String] = []) {
        self.users = users
        self.roles = roles
        self.tenants = tenants
    }
}

extension FactsCatalog {
    /// Users of both layers, sorted by key (byte-wise). O(log n + limit).
    public func users(offset: Int, limit: Int) -> ListingPage<String> {
        let users = listings.users
        return ListingPage(items: users.elements(in: Self.window(offset, limit)).map(\.string), total: users.count)
    }

    /// Tenants of both layers, sorted by key. O(log n + limit).
    public func tenants(offset: Int, limit: Int) -> ListingPage<String> {
        let tenants = listings.tenants
        return ListingPage(items: tenants.elements(in: Self.window(offset, limit)).map(\.string), total: tenants.count)
    }

    /// The users holding a role in `tenant` (either layer), sorted by key. O(log n + limit).
    public func users(inTenant tenant: String, offset: Int, limit: Int) -> ListingPage<String> {
        let members = listings.members
        let start = members.partitionPoint { FactKey.compareBytes($0.tenant, tenant) < 0 }
        let end = members.partitionPoint { FactKey.compareBytes($0.tenant, tenant) <= 0 }
        let window = Self.window(offset, limit)
        let page = (start + min(window.lowerBound, end - start))..<(start + min(window.upperBound, end - start))
        return ListingPage(items: members.elements(in: page).map(\.user), total: end - start)
    }

    /// A page of the assignments matching `filter`, sorted by (user, tenant, role).
    ///
    /// - Parameter effectiveOnly: leave out the assignments the current policy cannot apply
    ///   (what checks see), instead of listing every kept one (what the REST API shows).
    /// - Complexity: O(k log n + limit) with no filter, a `user` filter, or one `tenant` or
    ///   one `role`; with several filters, O(the smaller of the one-tenant and one-role
    ///   ranges); with several tenants and several roles, O(m log m) in the matches.
    public func assignments(matching filter: AssignmentFilter, offset: Int, limit: Int, effectiveOnly: Bool) -> [AssignmentKey] {
        let orders = listings.assignments
        let excluded = effectiveOnly && !listings.dangling.byUser.isEmpty ? listings.dangling : nil
        let users = Self.unique(filter.users), roles = Self.unique(filter.roles), tenants = Self.unique(filter.tenants)
        func inRoles(_ key: AssignmentKey) -> Bool { roles.isEmpty || roles.contains(FactKey(key.role)) }
        func inTenants(_ key: AssignmentKey) -> Bool { tenants.isEmpty || tenants.contains(FactKey(key.tenant)) }
        let window = Self.window(offset, limit)

        if !users.isEmpty || (roles.isEmpty && tenants.isEmpty) {
            // Each user's assignments are one range, and sorted users give sorted ranges.
            let bounds = users.isEmpty ? [nil] : users.sorted().map { Optional($0.string) }
            let segments = bounds.map { user in
                ListingSegment(orders.byUser, excluded: excluded?.byUser) { key in user.map { FactKey.compareBytes(key.user, $0) } ?? 0 }
            }
            let keep: ((AssignmentKey) -> Bool)? = roles.isEmpty && tenants.isEmpty ? nil : { inRoles($0) && inTenants($0) }
            return ListingSegment.page(segments, window, keep: keep)
        }
        // One tenant's range is in (user, role) order and one role's in (user, tenant) order:
        // both already the answer's order. Take the smaller when both are given.
        let tenantSegment = tenants.count == 1
            ? ListingSegment(orders.byTenant, excluded: excluded?.byTenant) { FactKey.compareBytes($0.assignment.tenant, tenants[tenants.startIndex].string) }
            : nil
        let roleSegment = roles.count == 1
            ? ListingSegment(orders.byRole, excluded: excluded?.byRole) { FactKey.compareBytes($0.assignment.role, roles[roles.startIndex].string) }
            : nil
        if let tenantSegment, tenantSegment.range.count <= roleSegment?.range.count ?? .max {
            return ListingSegment.page([tenantSegment], window, keep: roles.isEmpty ? nil : { inRoles($0.assignment) }).map(\.assignment)
        }
        if let roleSegment {
            return ListingSegment.page([roleSegment], window, keep: tenants.isEmpty ? nil : { inTenants($0.assignment) }).map(\.assignment)
        }
        // Several tenants and several roles: gather the matches of each tenant, then sort.
        var matches: [AssignmentKey] = []
        for tenant in tenants {
            let segment = ListingSegment(orders.byTenant, excluded: excluded?.byTenant) { FactKey.compareBytes($0.assignment.tenant, tenant.string) }
            matches += ListingSegment.page([segment], 0..<Int.max, keep: { inRoles($0.assignment) }).map(\.assignment)
        }
        matches.sort()
        return Array(matches[min(window.lowerBound, matches.count)..<min(window.upperBound, matches.count)])
    }

    /// The users allowed to do `action` on `resourceType` in `tenant`, with the held roles
    /// that grant it, sorted by key. Empty for unknown names.
    /// - Complexity: O(log n + the assignments in `tenant`): no scan of other tenants, no sort.
    public func authorizedUsers(action: String, resourceType: String, tenant: String) -> [AuthorizedUser] {
        guard let type = policy.resourceTypeID(resourceType), let actionID = policy.actionID(action),
            let slot = policy.slot(type, actionID), tenantExists(tenant)
        else { return [] }
        let dangling = listings.dangling.byUser
        let segment = ListingSegment(listings.assignments.byTenant, excluded: nil) { FactKey.compareBytes($0.assignment.tenant, tenant) }
        var result: [AuthorizedUser] = []
        listings.assignments.byTenant.forEach(from: segment.range.lowerBound) { ordered in
            let key = ordered.assignment
            guard FactKey.bytesEqual(key.tenant, tenant) else { return false }
            guard let role = policy.roleID(key.role), policy.roles[role.index].effective.contains(slot.index),
                dangling.isEmpty || !dangling.contains(key)
            else { return true }
            if let last = result.last, FactKey.bytesEqual(last.user, key.user) {
                result[result.count - 1].roles.append(key.role)
            } else {
                result.append(AuthorizedUser(user: key.user, roles: [key.role]))
            }
            return true
        }
        return result
    }

    /// Positions `offset ..< offset + limit`, saturating instead of overflowing.
    static func window(_ offset: Int, _ limit: Int) -> Range<Int> {
        let start = max(0, offset)
        let (end, overflow) = start.addingReportingOverflow(max(0, limit))
        return start..<(overflow ? Int.max : end)
    }

    private static func unique(_ keys: [String]) -> Set<FactKey> { Set(keys.lazy.filter { !$0.isEmpty }.map { FactKey($0) }) }
}
