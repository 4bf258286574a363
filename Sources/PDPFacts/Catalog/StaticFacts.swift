// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// The facts declared in the policy files (the YAML layer), by keys compared byte-wise.
/// Read-only through the API: see `docs/facts.md` for how it combines with API-written facts.
/// Built once per policy load.
public struct StaticFacts: Sendable {
    public private(set) var users: [FactKey: UserDefinition] = [:]
    /// Declared tenants, plus `default`, which always exists.
    public private(set) var tenants: [FactKey: FactsIndex.Tenant] = [:]
    public private(set) var assignments: Set<AssignmentKey> = []
    private var assignmentsByUser: [FactKey: [AssignmentKey]] = [:]
    /// Stable id → key of the declared users and tenants, and of the policy's roles and
    /// resources (computed once per policy load).
    public private(set) var ids = StableIDIndex()

    public init(policy: CompiledPolicy) {
        tenants[FactKey(FactsIndex.defaultTenantKey)] = FactsIndex.Tenant(
            key: FactsIndex.defaultTenantKey, name: "Default Tenant", description: nil, attributes: [:])
        for tenant in policy.tenants {
            tenants[FactKey(tenant.key.value)] = FactsIndex.Tenant(
                key: tenant.key.value, name: tenant.name, description: tenant.description, attributes: tenant.attributes)
        }
        for user in policy.users {
            let key = FactKey(user.key.value)
            // The first declaration wins (the compiler reports the others).
            guard users[key] == nil else { continue }
            users[key] = user
            for assignment in user.assignments {
                let assignment = AssignmentKey(user: user.key.value, role: assignment.role.value, tenant: assignment.tenant.value)
                if assignments.insert(assignment).inserted { assignmentsByUser[key, default: []].append(assignment) }
            }
        }
        ids = StableIDIndex(declaredBy: policy, users: users.keys.map(\.string), tenants: tenants.keys.map(\.string))
    }

    public func user(_ key: String) -> UserDefinition? { users[FactKey(key)] }
    public func tenant(_ key: String) -> FactsIndex.Tenant? { tenants[FactKey(key)] }

    /// The declared assignments of `user` (unordered).
    public func assignments(ofUser user: String) -> [AssignmentKey] { assignmentsByUser[FactKey(user)] ?? [] }
}
