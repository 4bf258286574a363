// SPDX-License-Identifier: Apache-2.0

/// "May `user` do `action` on a resource of `resourceType` (optionally `resourceKey`) in `tenant`?"
public struct AccessRequest: Hashable, Sendable {
    public var user: String
    public var action: String
    public var resourceType: String
    /// Not used by role-based decisions (ownership is the application's to check); kept for
    /// explanations and future resource-instance roles.
    public var resourceKey: String?
    /// `nil` means the default tenant.
    public var tenant: String?

    public init(user: String, action: String, resourceType: String, resourceKey: String? = nil, tenant: String? = nil) {
        self.user = user
        self.action = action
        self.resourceType = resourceType
        self.resourceKey = resourceKey
        self.tenant = tenant
    }
}

/// The result of a check: allowed, or the reason it was denied. No payload, so producing one
/// never allocates.
public enum DecisionOutcome: UInt8, Hashable, Sendable, CaseIterable {
    /// A role the user holds in the tenant grants the permission.
    case allowed
    /// The user holds roles in the tenant, but none grants the permission.
    case notGranted
    /// The user exists but holds no role in the tenant.
    case noRoleInTenant
    /// No such user.
    case unknownUser
    /// No such tenant.
    case unknownTenant
    /// No such resource type.
    case unknownResourceType
    /// The resource type does not declare this action.
    case unknownAction

    @inlinable public var isAllowed: Bool { self == .allowed }

    /// A stable snake_case name, used in debug output and metrics.
    public var code: String {
        switch self {
        case .allowed: "allowed"
        case .notGranted: "no_role_grants_permission"
        case .noRoleInTenant: "no_role_in_tenant"
        case .unknownUser: "unknown_user"
        case .unknownTenant: "unknown_tenant"
        case .unknownResourceType: "unknown_resource_type"
        case .unknownAction: "unknown_action"
        }
    }
}
