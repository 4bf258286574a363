// SPDX-License-Identifier: Apache-2.0

/// What a user may do in one tenant (the shape `/user-permissions` needs).
public struct TenantPermissions: Sendable, Hashable {
    public var tenant: FactsIndex.Tenant
    /// Role keys held in the tenant, sorted.
    public var roles: [String]
    /// `type:action` strings, in slot order.
    public var permissions: [String]
}

/// A user allowed to do something, with the held roles that grant it.
public struct AuthorizedUser: Sendable, Hashable {
    public var user: String
    public var roles: [String]

    public init(user: String, roles: [String]) {
        self.user = user
        self.roles = roles
    }
}

extension PolicySnapshot {
    /// The permissions of `user` in every tenant where they hold a role, optionally limited to
    /// some tenants and resource types. Unknown tenant or type names in the filters are
    /// ignored. Returns `[]` for an unknown user. Sorted by tenant key.
    public func permissions(ofUser user: String, tenants: [String]? = nil, resourceTypes: [String]? = nil) -> [TenantPermissions] {
        guard let assignments = facts.assignments(ofUser: user) else { return [] }
        let tenantFilter = tenants.map { Set($0.map { FactKey($0) }) }
        let typeFilter = resourceTypes.map { Set($0.compactMap(policy.resourceTypeID)) }
        var result: [TenantPermissions] = []
        for (tenantID, roles) in assignments {
            guard let tenant = facts.tenant(tenantID), tenantFilter?.contains(FactKey(tenant.key)) ?? true else { continue }
            var bits = Bitset(width: policy.slotCount)
            for role in roles { bits.formUnion(policy.roles[role.index].effective) }
            let permissions = bits.elements.compactMap { bit -> String? in
                let slot = PermissionSlot(Int32(bit))
                if let typeFilter, !typeFilter.contains(policy.owner(of: slot).type) { return nil }
                return policy.permissionString(slot)
            }
            result.append(
                TenantPermissions(
                    tenant: tenant, roles: roles.map { policy.roles[$0.index].key }.sorted(), permissions: permissions))
        }
        return result.sorted { $0.tenant.key < $1.tenant.key }
    }

    /// The users allowed to do `action` on `resourceType` in `tenant` (default tenant when
    /// `nil`), sorted by key. Empty for unknown names. Scans every user: O(users).
    public func authorizedUsers(action: String, resourceType: String, tenant: String? = nil) -> [AuthorizedUser] {
        guard let type = policy.resourceTypeID(resourceType), let actionID = policy.actionID(action),
            let slot = policy.slot(type, actionID),
            let tenantID = facts.tenantID(tenant ?? FactsIndex.defaultTenantKey)
        else { return [] }
        var result: [AuthorizedUser] = []
        facts.forEachUser { user, assignments in
            for (assignedTenant, roles) in assignments where assignedTenant == tenantID {
                let granting = roles.filter { policy.roles[$0.index].effective.contains(slot.index) }
                if !granting.isEmpty {
                    result.append(AuthorizedUser(user: user, roles: granting.map { policy.roles[$0.index].key }.sorted()))
                }
            }
        }
        return result.sorted { $0.user < $1.user }
    }

    /// The tenants in which `user` may do `action` on `resourceType`, sorted by key.
    public func allowedTenants(user: String, action: String, resourceType: String) -> [FactsIndex.Tenant] {
        guard let assignments = facts.assignments(ofUser: user) else { return [] }
        return assignments.compactMap { tenantID, _ -> FactsIndex.Tenant? in
            guard let tenant = facts.tenant(tenantID) else { return nil }
            let request = AccessRequest(user: user, action: action, resourceType: resourceType, tenant: tenant.key)
            return decide(request).isAllowed ? tenant : nil
        }.sorted { $0.key < $1.key }
    }

    /// The tenants where `user` holds any role, sorted by key.
    public func tenants(ofUser user: String) -> [FactsIndex.Tenant] {
        (facts.assignments(ofUser: user) ?? []).compactMap { facts.tenant($0.tenant) }.sorted { $0.key < $1.key }
    }

    /// Every role assignment, optionally filtered, sorted by user, tenant, role.
    public func roleAssignments(user: String? = nil, role: String? = nil, tenant: String? = nil) -> [RoleAssignment] {
        var result: [RoleAssignment] = []
        func collect(_ key: String, _ assignments: [(tenant: TenantID, roles: [RoleID])]) {
            for (tenantID, roles) in assignments {
                guard let tenantKey = facts.tenant(tenantID)?.key, tenant.map({ FactKey.bytesEqual($0, tenantKey) }) ?? true else { continue }
                for roleID in roles {
                    let roleKey = policy.roles[roleID.index].key
                    if role.map({ FactKey.bytesEqual($0, roleKey) }) ?? true {
                        result.append(RoleAssignment(user: key, role: roleKey, tenant: tenantKey))
                    }
                }
            }
        }
        if let user {
            if let assignments = facts.assignments(ofUser: user) { collect(user, assignments) }
        } else {
            facts.forEachUser(collect)
        }
        return result.sorted()
    }
}
