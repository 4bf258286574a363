// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// Combines the YAML layer (already in a compiled snapshot) with the API-written facts into
/// the snapshot checks run against: effective facts = YAML ∪ API.
public enum EffectiveFacts {
    /// A full rebuild: `base` (the compiled policy with its static users) plus every API fact.
    /// - Returns: the snapshot, and the API assignments it could not apply (unknown role or
    ///   tenant in this policy), sorted.
    public static func build(base: PolicySnapshot, api: FactsState) -> (PolicySnapshot, [AssignmentKey]) {
        let statics = StaticFacts(policy: base.policy)
        var dangling: [AssignmentKey] = []
        let snapshot = base.updatingFacts { facts in
            facts.reserveUsers(facts.userCount + api.users.count)
            for tenant in api.tenants.values where statics.tenant(tenant.key) == nil {
                facts.upsertTenant(key: tenant.key, name: tenant.name, description: tenant.description, attributes: tenant.attributes)
            }
            for user in api.users.keys { facts.addUser(user.string) }
            for key in api.assignments.keys {
                if let role = base.policy.roleID(key.role), let tenant = facts.tenantID(key.tenant) {
                    facts.assign(user: key.user, role: role, tenant: tenant)
                } else {
                    dangling.append(key)
                }
            }
        }
        return (snapshot, dangling.sorted())
    }

    /// Applies one committed mutation to the effective index, incrementally: O(what it
    /// changes). The writer has already refused changes to the YAML layer, so removals only
    /// touch API facts. `before` is the API facts the mutation followed (a tenant delete
    /// visits only the users that held roles there).
    public static func apply(_ mutation: FactsMutation, to facts: inout FactsIndex, statics: StaticFacts, before: FactsState) {
        switch mutation {
        case .putUser(let user):
            facts.addUser(user.key)
        case .deleteUser(let key):
            facts.removeUser(key)
        case .putTenant(let tenant):
            // A tenant declared in the policy keeps its declared fields.
            if statics.tenant(tenant.key) == nil {
                facts.upsertTenant(key: tenant.key, name: tenant.name, description: tenant.description, attributes: tenant.attributes)
            }
        case .deleteTenant(let key):
            // Only API users hold roles in an API tenant: the policy files cannot name it.
            facts.removeTenant(key: key, holders: before.assignments(inTenant: key).lazy.map(\.user))
        case .assign(let key, _):
            if let role = facts.policy.roleID(key.role), let tenant = facts.tenantID(key.tenant) {
                facts.assign(user: key.user, role: role, tenant: tenant)
            }
        case .unassign(let key):
            if !statics.assignments.contains(key), let role = facts.policy.roleID(key.role), let tenant = facts.tenantID(key.tenant) {
                facts.unassign(user: key.user, role: role, tenant: tenant)
            }
        }
    }
}
