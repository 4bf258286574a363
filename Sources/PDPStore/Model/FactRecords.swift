// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// A user written through the facts API.
public struct UserRecord: Hashable, Sendable {
    public var key: String
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var attributes: [String: AttributeValue]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        key: String, email: String? = nil, firstName: String? = nil, lastName: String? = nil,
        attributes: [String: AttributeValue] = [:], createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.key = key
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A tenant written through the facts API.
public struct TenantRecord: Hashable, Sendable {
    public var key: String
    public var name: String
    public var description: String?
    public var attributes: [String: AttributeValue]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var lastActionAt: Timestamp

    public init(
        key: String, name: String, description: String? = nil, attributes: [String: AttributeValue] = [:],
        createdAt: Timestamp, updatedAt: Timestamp, lastActionAt: Timestamp
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastActionAt = lastActionAt
    }
}

/// "`user` holds `role` in `tenant`", by names: the core's ``RoleAssignment``, under the
/// name the store's records use.
public typealias AssignmentKey = RoleAssignment

/// One change to the facts. Each sets an absolute value (no increments), so applying a
/// record twice is harmless; deletes cascade to the assignments of the deleted user or tenant.
public enum FactsMutation: Hashable, Sendable {
    case putUser(UserRecord)
    case deleteUser(key: String)
    case putTenant(TenantRecord)
    case deleteTenant(key: String)
    case assign(AssignmentKey, at: Timestamp)
    case unassign(AssignmentKey)
}
