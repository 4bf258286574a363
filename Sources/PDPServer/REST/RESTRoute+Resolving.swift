// SPDX-License-Identifier: Apache-2.0
import PDPFacts

extension FactsCatalog {
    /// `route` with its path ids replaced by keys (Permit accepts ids or keys in paths).
    func resolving(_ route: RESTRoute) -> RESTRoute {
        switch route {
        case .user(let segment): .user(userKey(segment))
        case .userRoles(let segment): .userRoles(userKey(segment))
        case .tenant(let segment): .tenant(tenantKey(segment))
        case .tenantUsers(let segment): .tenantUsers(tenantKey(segment))
        case .tenantUser(let tenant, let user): .tenantUser(tenantKey(tenant), userKey(user))
        case .role(let segment): .role(roleKey(segment))
        case .resource(let segment): .resource(resourceKey(segment))
        case .scope, .users, .roleAssignments, .roleAssignmentsBulk, .tenants, .roles, .resources, .bulkUsers, .bulkTenants, .authorizedUsers: route
        }
    }
}
