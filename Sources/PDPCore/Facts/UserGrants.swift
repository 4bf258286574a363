// SPDX-License-Identifier: Apache-2.0

/// The roles one user holds, per tenant.
public struct UserGrants: Sendable {
    public struct TenantGrant: Sendable, Hashable {
        public var tenant: TenantID
        public var roles: RoleSetID
    }

    // Most users belong to one tenant: keep it inline so they cost no array allocation.
    @usableFromInline var first: TenantGrant?
    @usableFromInline var rest: [TenantGrant] = []

    public init() {}

    @inline(__always)
    func roleSet(in tenant: TenantID) -> RoleSetID? {
        if let first, first.tenant == tenant { return first.roles }
        for grant in rest where grant.tenant == tenant { return grant.roles }
        return nil
    }

    /// Every (tenant, role set) pair.
    public var grants: [TenantGrant] {
        guard let first else { return [] }
        return [first] + rest
    }

    mutating func set(_ roles: RoleSetID?, in tenant: TenantID) {
        // The common cases (a user's first tenant, or their only one) touch no array.
        if rest.isEmpty, first == nil || first?.tenant == tenant {
            first = roles.map { TenantGrant(tenant: tenant, roles: $0) }
            return
        }
        var all = grants.filter { $0.tenant != tenant }
        if let roles { all.append(TenantGrant(tenant: tenant, roles: roles)) }
        all.sort { $0.tenant < $1.tenant }
        first = all.first
        rest = Array(all.dropFirst())
    }
}
