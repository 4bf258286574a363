// SPDX-License-Identifier: Apache-2.0
import HashTreeCollections
import PDPCore
import PDPStore

/// Stable id → key, per kind, so a path segment that is an object's ``StableID`` resolves
/// in O(1) (Permit accepts ids or keys in paths). Ids are computed when objects are
/// written (API layer) or when the policy is loaded (YAML layer, roles, resources), never
/// per request. Persistent maps (ids are ASCII, so `String` hashing is byte-exact here): the
/// catalog published after a write shares them with the writer's next copy, and one write
/// costs O(log n), not a copy of every id.
public struct StableIDIndex: Sendable, Hashable {
    public private(set) var users: TreeDictionary<String, String> = [:]
    public private(set) var tenants: TreeDictionary<String, String> = [:]
    public private(set) var roles: TreeDictionary<String, String> = [:]
    public private(set) var resources: TreeDictionary<String, String> = [:]

    public init() {}

    /// The index of every user and tenant in `state`.
    public init(state: FactsState) {
        for key in state.users.keys { users[StableID.id("user", key.string)] = key.string }
        for key in state.tenants.keys { tenants[StableID.id("tenant", key.string)] = key.string }
    }

    /// The index of the users, tenants, roles and resources `policy` declares (plus `default`).
    public init(declaredBy policy: CompiledPolicy, users declaredUsers: some Sequence<String>, tenants declaredTenants: some Sequence<String>) {
        for key in declaredUsers { users[StableID.id("user", key)] = key }
        for key in declaredTenants { tenants[StableID.id("tenant", key)] = key }
        for role in policy.roles { roles[StableID.id("role", role.key)] = role.key }
        for type in policy.resourceTypes { resources[StableID.id("resource", type.key)] = type.key }
    }

    /// Keeps the index in step with one committed mutation.
    public mutating func apply(_ mutation: FactsMutation) {
        switch mutation {
        case .putUser(let user): users[StableID.id("user", user.key)] = user.key
        case .deleteUser(let key): users[StableID.id("user", key)] = nil
        case .putTenant(let tenant): tenants[StableID.id("tenant", tenant.key)] = tenant.key
        case .deleteTenant(let key): tenants[StableID.id("tenant", key)] = nil
        case .assign, .unassign: break
        }
    }
}
