// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Builders for policies written in code, with one distinct line per name so tests can
/// assert exact locations.
struct PolicyBuilder {
    private var line = 0
    var document = PolicyDocument(version: Located(1, at: SourceLocation(file: "p.yaml", line: 1, column: 10)))

    mutating func here(column: Int = 5) -> SourceLocation {
        line += 1
        return SourceLocation(file: "p.yaml", line: line + 1, column: column)
    }

    mutating func name(_ value: String) -> Located<String> { Located(value, at: here()) }

    mutating func resource(_ key: String, _ actions: [String]) {
        let keyLoc = name(key)
        document.resources.append(ResourceDefinition(key: keyLoc, actions: actions.map { name($0) }))
    }

    mutating func role(_ key: String, _ permissions: [String], extends: [String] = []) {
        let keyLoc = name(key)
        document.roles.append(
            RoleDefinition(key: keyLoc, permissions: permissions.map { name($0) }, extends: extends.map { name($0) }))
    }

    mutating func tenant(_ key: String) {
        document.tenants.append(TenantDefinition(key: name(key)))
    }

    mutating func user(_ key: String, _ assignments: [(role: String, tenant: String)]) {
        let keyLoc = name(key)
        document.users.append(
            UserDefinition(
                key: keyLoc,
                assignments: assignments.map { RoleAssignmentDefinition(role: name($0.role), tenant: name($0.tenant)) }))
    }

    /// The task app's policy, written in code.
    static func tasks() -> PolicyBuilder {
        var b = PolicyBuilder()
        b.resource("task", ["create", "read", "readall", "update", "updateany", "delete", "deleteany", "assign"])
        b.resource("analytics", ["read"])
        b.role("viewer", ["task:create", "task:read", "task:update", "task:delete"])
        b.role("admin", ["task:readall", "task:updateany", "task:deleteany", "task:assign", "analytics:*"], extends: ["viewer"])
        b.tenant("acme")
        b.user("vera", [("viewer", "default")])
        b.user("ada", [("admin", "default"), ("viewer", "acme")])
        b.user("nora", [])
        return b
    }
}

extension PolicyCompiler {
    static func compileForTest(_ builder: PolicyBuilder) throws -> PolicySnapshot {
        try compile(builder.document)
    }
}

func diagnostics(of builder: PolicyBuilder) -> [Diagnostic] {
    do {
        _ = try PolicyCompiler.compile(builder.document)
        return []
    } catch {
        return error.items
    }
}
