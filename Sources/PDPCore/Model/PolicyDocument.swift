// SPDX-License-Identifier: Apache-2.0

/// A policy as written: names, not ids, with the location of everything that can be wrong.
///
/// Produced by a loader (`PDPPolicyYAML`) or built in code; turned into a
/// ``CompiledPolicy`` by ``PolicyCompiler``. Several files merge into one document.
public struct PolicyDocument: Sendable {
    /// The format versions this build understands.
    public static let supportedVersions: ClosedRange<Int> = 1...1

    /// The `version` key, if present in any file.
    public var version: Located<Int>?
    public var resources: [ResourceDefinition]
    public var roles: [RoleDefinition]
    public var tenants: [TenantDefinition]
    public var users: [UserDefinition]

    public init(
        version: Located<Int>? = nil,
        resources: [ResourceDefinition] = [],
        roles: [RoleDefinition] = [],
        tenants: [TenantDefinition] = [],
        users: [UserDefinition] = []
    ) {
        self.version = version
        self.resources = resources
        self.roles = roles
        self.tenants = tenants
        self.users = users
    }

    /// Appends another file's definitions. Duplicates are kept; the compiler reports them.
    public mutating func merge(_ other: PolicyDocument) {
        version = version ?? other.version
        resources += other.resources
        roles += other.roles
        tenants += other.tenants
        users += other.users
    }
}

/// A resource type and the actions that can be performed on it.
public struct ResourceDefinition: Sendable {
    public var key: Located<String>
    public var name: String?
    public var description: String?
    public var actions: [Located<String>]
    /// Declared attributes (name and type, e.g. `owner: string`), kept for later ABAC use.
    public var attributes: [AttributeDeclaration]

    public init(
        key: Located<String>,
        name: String? = nil,
        description: String? = nil,
        actions: [Located<String>],
        attributes: [AttributeDeclaration] = []
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.actions = actions
        self.attributes = attributes
    }
}

/// An attribute a resource declares, e.g. `owner: string`.
public struct AttributeDeclaration: Sendable, Hashable {
    public var name: Located<String>
    /// One of `string`, `number`, `bool`, `array`, `json`, `time`.
    public var type: Located<String>

    public static let knownTypes: Set<String> = ["string", "number", "bool", "array", "json", "time"]

    public init(name: Located<String>, type: Located<String>) {
        self.name = name
        self.type = type
    }
}

/// A role: permissions written as `resource:action` or `resource:*`, plus inherited roles.
public struct RoleDefinition: Sendable {
    public var key: Located<String>
    public var name: String?
    public var description: String?
    public var permissions: [Located<String>]
    public var extends: [Located<String>]

    public init(
        key: Located<String>,
        name: String? = nil,
        description: String? = nil,
        permissions: [Located<String>] = [],
        extends: [Located<String>] = []
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.permissions = permissions
        self.extends = extends
    }
}

/// A tenant. The tenant `default` always exists, declared or not.
public struct TenantDefinition: Sendable {
    public var key: Located<String>
    public var name: String?
    public var description: String?
    public var attributes: [String: AttributeValue]

    public init(
        key: Located<String>,
        name: String? = nil,
        description: String? = nil,
        attributes: [String: AttributeValue] = [:]
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.attributes = attributes
    }
}

/// A user declared in the policy files (static facts), with its role assignments.
public struct UserDefinition: Sendable {
    public var key: Located<String>
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var attributes: [String: AttributeValue]
    public var assignments: [RoleAssignmentDefinition]

    public init(
        key: Located<String>,
        email: String? = nil,
        firstName: String? = nil,
        lastName: String? = nil,
        attributes: [String: AttributeValue] = [:],
        assignments: [RoleAssignmentDefinition] = []
    ) {
        self.key = key
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.attributes = attributes
        self.assignments = assignments
    }
}

/// "This user holds this role in this tenant", as written.
public struct RoleAssignmentDefinition: Sendable {
    public var role: Located<String>
    public var tenant: Located<String>

    public init(role: Located<String>, tenant: Located<String>) {
        self.role = role
        self.tenant = tenant
    }
}
