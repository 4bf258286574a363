// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// The facts declared in the policy files (the YAML layer), by names. Read-only through the
/// API: see `docs/facts.md` for how it combines with API-written facts.
public struct StaticFacts: Sendable {
    public var users: [String: UserDefinition] = [:]
    /// Declared tenants, plus `default`, which always exists.
    public var tenants: [String: FactsIndex.Tenant] = [:]
    public var assignments: Set<AssignmentKey> = []
    /// Stable id → key of the declared users and tenants, and of the policy's roles and
    /// resources (computed once per policy load).
    var ids = StableIDIndex()

    public init(policy: CompiledPolicy) {
        tenants[FactsIndex.defaultTenantKey] = FactsIndex.Tenant(
            key: FactsIndex.defaultTenantKey, name: "Default Tenant", description: nil, attributes: [:])
        for tenant in policy.tenants {
            tenants[tenant.key.value] = FactsIndex.Tenant(
                key: tenant.key.value, name: tenant.name, description: tenant.description, attributes: tenant.attributes)
        }
        for user in policy.users {
            users[user.key.value] = users[user.key.value] ?? user
            for assignment in user.assignments {
                assignments.insert(AssignmentKey(user: user.key.value, role: assignment.role.value, tenant: assignment.tenant.value))
            }
        }
        ids = StableIDIndex(declaredBy: policy, users: users.keys, tenants: tenants.keys)
    }
}
