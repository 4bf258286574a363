// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// One facts API write, parsed and validated for shape by the HTTP adapter, executed by the
/// ``FactsEngine`` against the current facts.
public enum FactsWrite: Sendable {
    /// `POST /users`: 201 when created, 200 with the existing user otherwise (Permit's rule).
    case createUser(UserInput)
    /// `PUT /users/{key}`: 201 when created, 200 when replaced (Node reads the difference).
    case syncUser(UserInput)
    /// `PATCH /users/{key}`.
    case updateUser(UserInput)
    case deleteUser(key: String)
    /// `POST /users/{key}/roles`, `POST /role_assignments` (single) and `.../bulk`.
    case assign([AssignmentKey], bulk: Bool)
    case unassign([AssignmentKey], bulk: Bool)
    case createTenant(TenantInput)
    case updateTenant(TenantInput)
    case deleteTenant(key: String)
    /// `DELETE tenants/{tenant}/users/{user}`: removes the user's API roles in the tenant.
    case removeTenantUser(tenant: String, user: String)
    /// `POST bulk/users` (`replace: false`: existing users are left as they are) and
    /// `PUT bulk/users` (`replace: true`: each as `PUT users/{key}`). One transaction.
    case bulkUsers([UserInput], replace: Bool)
    /// `DELETE bulk/users`: keys (ids already resolved). One transaction.
    case bulkDeleteUsers([String])
    /// `POST bulk/tenants` (409 if any exists) and `PUT bulk/tenants` (create or replace).
    case bulkTenants([TenantInput], replace: Bool)
    /// `DELETE bulk/tenants`: keys (ids already resolved). One transaction.
    case bulkDeleteTenants([String])
}

/// A user body. Optional fields: `nil` when absent, `.some(nil)` when sent as `null`.
public struct UserInput: Sendable {
    public var key: String
    public var email: String??
    public var firstName: String??
    public var lastName: String??
    public var attributes: [String: AttributeValue]??
    public var roleAssignments: [AssignmentKey] = []

    public init(
        key: String, email: String?? = nil, firstName: String?? = nil, lastName: String?? = nil,
        attributes: [String: AttributeValue]?? = nil, roleAssignments: [AssignmentKey] = []
    ) {
        self.key = key
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.attributes = attributes
        self.roleAssignments = roleAssignments
    }
}

/// A tenant body; `name` is required on create only.
public struct TenantInput: Sendable {
    public var key: String
    public var name: String?
    public var description: String??
    public var attributes: [String: AttributeValue]??

    public init(key: String, name: String? = nil, description: String?? = nil, attributes: [String: AttributeValue]?? = nil) {
        self.key = key
        self.name = name
        self.description = description
        self.attributes = attributes
    }
}

/// What a write answers; the HTTP adapter renders it.
public enum FactsReply: Sendable {
    case user(UserRecord, roles: [AssignmentKey], created: Bool)
    case assignment(AssignmentKey, createdAt: Timestamp)
    case tenant(TenantRecord, created: Bool)
    case assignmentsCreated(Int)
    case assignmentsRemoved(Int)
    /// Bulk users and tenants: Permit's `*BulkOperationResult` models are empty objects.
    case emptyObject
    case noContent
}
