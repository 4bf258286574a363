// SPDX-License-Identifier: Apache-2.0

/// A role a user holds in a tenant, as the facts API lists it (`RoleAssignmentRead`; only
/// the fields an application reads are kept).
public struct PDPRoleAssignment: Sendable, Hashable, Decodable {
    /// The user's key.
    public var user: String
    /// The role's key.
    public var role: String
    /// The tenant's key (`nil` when the answer named only `tenant_id`).
    public var tenant: String?

    public init(user: String, role: String, tenant: String?) {
        self.user = user
        self.role = role
        self.tenant = tenant
    }
}
