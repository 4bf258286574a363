// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let userFields = ["email", "first_name", "last_name", "attributes", "roles"]
    static let defaultTenant = "default"

    /// The `users` mapping of a policy or test file.
    mutating func users(_ node: YAMLNode?) -> [UserDefinition] {
        var result: [UserDefinition] = []
        for pair in entries(node, expected: "`users` must be a mapping of user keys to users") {
            if let user = user(pair) { result.append(user) }
        }
        return result
    }

    /// One user: `key: {email?, first_name?, last_name?, attributes?, roles?}`.
    mutating func user(_ pair: YAMLPair) -> UserDefinition? {
        guard let key = declaredName(pair.key, what: "a user key") else { return nil }
        let owner = "user `\(key.value)`"
        guard let fields = fields(of: pair.value, owner: owner, allowed: Self.userFields) else { return nil }
        return UserDefinition(
            key: key,
            email: text(fields["email"], field: "email"),
            firstName: text(fields["first_name"], field: "first_name"),
            lastName: text(fields["last_name"], field: "last_name"),
            attributes: attributes(fields["attributes"], owner: owner),
            assignments: assignments(fields["roles"], owner: owner)
        )
    }

    /// A user's `roles`: a list (roles in tenant `default`, located at each role) or a
    /// mapping of tenant to list. Tenant and role names are references, checked by the compiler.
    mutating func assignments(_ node: YAMLNode?, owner: String) -> [RoleAssignmentDefinition] {
        guard let node, !node.isNull else { return [] }
        switch node.content {
        case .sequence:
            return names(node, field: "roles", what: "a role").map {
                RoleAssignmentDefinition(role: $0, tenant: Located(Self.defaultTenant, at: $0.location))
            }
        case .mapping(let pairs):
            var result: [RoleAssignmentDefinition] = []
            for pair in pairs {
                guard let tenant = name(pair.key, what: "a tenant in the `roles` of \(owner)") else { continue }
                for role in names(pair.value, field: "roles", what: "a role") {
                    result.append(RoleAssignmentDefinition(role: role, tenant: tenant))
                }
            }
            return result
        case .invalid:
            return []
        case .scalar:
            let message = "the `roles` of \(owner) must be a list of roles or a mapping of tenants to lists of roles, found \(node.kindDescription)"
            report(.typeMismatch, message, at: node.location)
            return []
        }
    }
}
