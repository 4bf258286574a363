// SPDX-License-Identifier: Apache-2.0

/// Turns a ``PolicyDocument`` into a ``PolicySnapshot``: interns every name to a dense id,
/// flattens role inheritance into one bitset per role, and applies the static users.
///
/// Every reference problem is collected (never only the first): duplicate definitions,
/// permissions naming unknown resources or actions, unknown roles in `extends`, inheritance
/// cycles, assignments naming unknown roles or tenants.
public enum PolicyCompiler {
    /// Compiles `document`.
    /// - Returns: the snapshot, with the static users applied, and any warnings.
    /// - Throws: ``Diagnostics`` holding every error, sorted by location.
    public static func compile(_ document: PolicyDocument) throws(Diagnostics) -> PolicySnapshot {
        var diagnostics = Diagnostics()
        let policy = compilePolicy(document, diagnostics: &diagnostics)
        var facts = FactsIndex(policy: policy, expectedUsers: document.users.count)
        facts.applyStaticUsers(policy.users, diagnostics: &diagnostics)
        if diagnostics.hasErrors { throw diagnostics }
        return PolicySnapshot(policy: policy, facts: facts, warnings: diagnostics)
    }

    /// Compiles the schema part only (no users), collecting problems into `diagnostics`.
    public static func compilePolicy(_ document: PolicyDocument, diagnostics: inout Diagnostics) -> CompiledPolicy {
        // Resource types and actions.
        var resourceIndex: [String: Int] = [:]
        var resourceDefs: [ResourceDefinition] = []
        for resource in document.resources {
            let key = resource.key.value
            if let first = resourceIndex[key] {
                diagnostics.append(duplicate("resource", key, resource.key.location, resourceDefs[first].key.location))
                continue
            }
            resourceIndex[key] = resourceDefs.count
            resourceDefs.append(resource)
        }
        var actionIndex: [String: Int] = [:]
        var actionKeys: [String] = []
        var perResourceActions: [[ActionID]] = []
        for resource in resourceDefs {
            var seen: [String: SourceLocation] = [:]
            var ids: [ActionID] = []
            for action in resource.actions {
                if let first = seen[action.value] {
                    diagnostics.append(
                        Diagnostic(
                            .duplicateDefinition,
                            "action '\(action.value)' is listed twice for resource '\(resource.key.value)' (first at line \(first.line))",
                            at: action.location))
                    continue
                }
                seen[action.value] = action.location
                let id: Int
                if let existing = actionIndex[action.value] {
                    id = existing
                } else {
                    id = actionKeys.count
                    actionIndex[action.value] = id
                    actionKeys.append(action.value)
                }
                ids.append(ActionID(Int32(id)))
            }
            perResourceActions.append(ids)
        }
        var slotMatrix = Array(repeating: Int32(-1), count: resourceDefs.count * actionKeys.count)
        var slotOwners: [(ResourceTypeID, ActionID)] = []
        for (typeIndex, ids) in perResourceActions.enumerated() {
            for action in ids {
                slotMatrix[typeIndex * actionKeys.count + action.index] = Int32(slotOwners.count)
                slotOwners.append((ResourceTypeID(Int32(typeIndex)), action))
            }
        }
        let width = slotOwners.count
        func slot(_ type: Int, _ action: Int) -> Int? {
            let raw = slotMatrix[type * actionKeys.count + action]
            return raw < 0 ? nil : Int(raw)
        }

        // Roles: direct permissions.
        var roleIndex: [String: Int] = [:]
        var roleDefs: [RoleDefinition] = []
        for role in document.roles {
            if let first = roleIndex[role.key.value] {
                diagnostics.append(duplicate("role", role.key.value, role.key.location, roleDefs[first].key.location))
                continue
            }
            roleIndex[role.key.value] = roleDefs.count
            roleDefs.append(role)
        }
        var direct: [Bitset] = []
        var extends: [[RoleID]] = []
        for role in roleDefs {
            var bits = Bitset(width: width)
            for permission in role.permissions {
                guard let (type, action) = parsePermission(permission, diagnostics: &diagnostics) else { continue }
                guard let typeIndex = resourceIndex[type] else {
                    diagnostics.append(
                        Diagnostic(
                            .unknownResource,
                            "permission '\(permission.value)' names resource '\(type)', which is not declared",
                            at: permission.location))
                    continue
                }
                if action == "*" {
                    for id in perResourceActions[typeIndex] { if let s = slot(typeIndex, id.index) { bits.insert(s) } }
                } else if let actionID = actionIndex[action], let s = slot(typeIndex, actionID) {
                    bits.insert(s)
                } else {
                    diagnostics.append(
                        Diagnostic(
                            .unknownAction,
                            "permission '\(permission.value)' names action '\(action)', which resource '\(type)' does not declare",
                            at: permission.location))
                }
            }
            direct.append(bits)
            var parents: [RoleID] = []
            for parent in role.extends {
                guard let parentIndex = roleIndex[parent.value] else {
                    diagnostics.append(
                        Diagnostic(
                            .unknownRole,
                            "role '\(role.key.value)' extends '\(parent.value)', which is not a declared role",
                            at: parent.location))
                    continue
                }
                parents.append(RoleID(Int32(parentIndex)))
            }
            extends.append(parents)
        }
        let effective = RoleInheritance.flatten(
            direct: direct, extends: extends, roles: roleDefs, diagnostics: &diagnostics)

        let resourceTypes = resourceDefs.enumerated().map { index, def in
            CompiledPolicy.ResourceType(
                key: def.key.value, name: def.name, description: def.description,
                actions: perResourceActions[index],
                attributes: def.attributes.map { ($0.name.value, $0.type.value) })
        }
        let roles = roleDefs.enumerated().map { index, def in
            CompiledPolicy.Role(
                key: def.key.value, name: def.name, description: def.description,
                extends: extends[index], direct: direct[index], effective: effective[index])
        }

        // Tenants: uniqueness only; the facts layer owns them at runtime.
        var tenantIndex: [String: SourceLocation] = [:]
        var tenants: [TenantDefinition] = []
        for tenant in document.tenants {
            if let first = tenantIndex[tenant.key.value] {
                diagnostics.append(duplicate("tenant", tenant.key.value, tenant.key.location, first))
                continue
            }
            tenantIndex[tenant.key.value] = tenant.key.location
            tenants.append(tenant)
        }

        return CompiledPolicy(
            resourceTypes: resourceTypes, actionKeys: actionKeys, roles: roles,
            slotMatrix: slotMatrix, slotOwners: slotOwners, tenants: tenants, users: document.users)
    }

    /// Splits `resource:action`. Reports malformed permissions.
    static func parsePermission(
        _ permission: Located<String>, diagnostics: inout Diagnostics
    ) -> (String, String)? {
        let parts = permission.value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            diagnostics.append(
                Diagnostic(
                    .invalidPermission,
                    "permission '\(permission.value)' must be written as 'resource:action' or 'resource:*'",
                    at: permission.location))
            return nil
        }
        return (String(parts[0]), String(parts[1]))
    }

    static func duplicate(_ kind: String, _ key: String, _ at: SourceLocation, _ first: SourceLocation) -> Diagnostic {
        Diagnostic(.duplicateDefinition, "\(kind) '\(key)' is already defined at \(first)", at: at)
    }
}
