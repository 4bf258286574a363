// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// Stable id → key, per kind, so a path segment that is an object's ``StableID`` resolves
/// in O(1) (Permit accepts ids or keys in paths). Ids are computed when objects are
/// written (API layer) or when the policy is loaded (YAML layer, roles, resources), never
/// per request.
struct StableIDIndex: Sendable, Hashable {
    var users: [String: String] = [:]
    var tenants: [String: String] = [:]
    var roles: [String: String] = [:]
    var resources: [String: String] = [:]

    init() {}

    /// The index of every user and tenant in `state`.
    init(state: FactsState) {
        for key in state.users.keys { users[StableID.id("user", key)] = key }
        for key in state.tenants.keys { tenants[StableID.id("tenant", key)] = key }
    }

    /// The index of the users, tenants, roles and resources `policy` declares (plus `default`).
    init(declaredBy policy: CompiledPolicy, users declaredUsers: some Sequence<String>, tenants declaredTenants: some Sequence<String>) {
        for key in declaredUsers { users[StableID.id("user", key)] = key }
        for key in declaredTenants { tenants[StableID.id("tenant", key)] = key }
        for role in policy.roles { roles[StableID.id("role", role.key)] = role.key }
        for type in policy.resourceTypes { resources[StableID.id("resource", type.key)] = type.key }
    }

    /// Keeps the index in step with one committed mutation.
    mutating func apply(_ mutation: FactsMutation) {
        switch mutation {
        case .putUser(let user): users[StableID.id("user", user.key)] = user.key
        case .deleteUser(let key): users[StableID.id("user", key)] = nil
        case .putTenant(let tenant): tenants[StableID.id("tenant", tenant.key)] = tenant.key
        case .deleteTenant(let key): tenants[StableID.id("tenant", key)] = nil
        case .assign, .unassign: break
        }
    }
}

extension StableID {
    /// `text` in the canonical lowercase form when it is a UUID
    /// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case), else `nil`.
    static func canonical(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                out.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): out.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): out.append(byte + 32)
            default: return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension FactsCatalog {
    /// The user key a path segment names: the segment itself when a user has that key, else
    /// the key of the user whose stable id it is, else the segment unchanged.
    func userKey(_ segment: String) -> String {
        if userExists(segment) { return segment }
        guard let id = StableID.canonical(segment) else { return segment }
        return apiIDs.users[id] ?? statics.ids.users[id] ?? segment
    }

    /// The tenant key a path segment names (a key, or a tenant's stable id).
    func tenantKey(_ segment: String) -> String {
        if tenantExists(segment) { return segment }
        guard let id = StableID.canonical(segment) else { return segment }
        return apiIDs.tenants[id] ?? statics.ids.tenants[id] ?? segment
    }

    /// The role key a path segment names (a key, or a role's stable id).
    func roleKey(_ segment: String) -> String {
        if policy.roleID(segment) != nil { return segment }
        return StableID.canonical(segment).flatMap { statics.ids.roles[$0] } ?? segment
    }

    /// The resource key a path segment names (a key, or a resource's stable id).
    func resourceKey(_ segment: String) -> String {
        if policy.resourceTypeID(segment) != nil { return segment }
        return StableID.canonical(segment).flatMap { statics.ids.resources[$0] } ?? segment
    }

    /// `route` with its path ids replaced by keys.
    func resolving(_ route: RESTRoute) -> RESTRoute {
        switch route {
        case .user(let segment): .user(userKey(segment))
        case .userRoles(let segment): .userRoles(userKey(segment))
        case .tenant(let segment): .tenant(tenantKey(segment))
        case .tenantUsers(let segment): .tenantUsers(tenantKey(segment))
        case .tenantUser(let tenant, let user): .tenantUser(tenantKey(tenant), userKey(user))
        case .role(let segment): .role(roleKey(segment))
        case .resource(let segment): .resource(resourceKey(segment))
        case .scope, .users, .roleAssignments, .roleAssignmentsBulk, .tenants, .roles, .resources, .bulkUsers, .bulkTenants: route
        }
    }
}
