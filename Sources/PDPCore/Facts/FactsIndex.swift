// SPDX-License-Identifier: Apache-2.0

/// Who holds which roles where: tenants, users and their role assignments, indexed for checks.
///
/// A copy-on-write value tied to one ``CompiledPolicy``. Writers mutate a copy and publish a
/// new ``PolicySnapshot``; readers of the old snapshot are unaffected. Assignment changes
/// update only the affected (user, tenant) entry, re-using interned role sets.
public struct FactsIndex: Sendable {
    public struct Tenant: Sendable, Hashable {
        public var key: String
        public var name: String?
        public var description: String?
        public var attributes: [String: AttributeValue]

        public init(key: String, name: String?, description: String?, attributes: [String: AttributeValue]) {
            self.key = key
            self.name = name
            self.description = description
            self.attributes = attributes
        }
    }

    /// The key of the tenant that always exists.
    public static let defaultTenantKey = "default"

    public let policy: CompiledPolicy
    var tenantIDs: ByteKeyTable<TenantID>
    /// Indexed by `TenantID`; `nil` once deleted (ids are never reused within one index).
    public private(set) var tenants: [Tenant?]
    public let defaultTenant: TenantID
    var users: ShardedUserTable
    var roleSets: RoleSetTable

    /// An index with the policy's declared tenants (and `default`), and no users.
    public init(policy: CompiledPolicy, expectedUsers: Int = 0) {
        self.policy = policy
        tenantIDs = ByteKeyTable(minimumCapacity: policy.tenants.count + 1)
        tenants = []
        users = ShardedUserTable(expectedUsers: expectedUsers)
        roleSets = RoleSetTable(width: policy.slotCount)
        var defaultID: TenantID?
        for tenant in policy.tenants {
            let id = Self.insertTenant(
                Tenant(key: tenant.key.value, name: tenant.name, description: tenant.description,
                       attributes: tenant.attributes),
                ids: &tenantIDs, tenants: &tenants)
            if tenant.key.value == Self.defaultTenantKey { defaultID = id }
        }
        defaultTenant =
            defaultID
            ?? Self.insertTenant(
                Tenant(key: Self.defaultTenantKey, name: "Default Tenant", description: nil, attributes: [:]),
                ids: &tenantIDs, tenants: &tenants)
    }

    private static func insertTenant(_ tenant: Tenant, ids: inout ByteKeyTable<TenantID>, tenants: inout [Tenant?]) -> TenantID {
        let id = TenantID(Int32(tenants.count))
        tenants.append(tenant)
        ids.updateValue(id, forKey: tenant.key)
        return id
    }

    // MARK: Reading

    public var userCount: Int { users.count }
    public func tenantID(_ key: String) -> TenantID? { tenantIDs.value(for: key) }
    public func tenant(_ id: TenantID) -> Tenant? { tenants[id.index] }
    public func containsUser(_ key: String) -> Bool { users.grants(for: key) != nil }

    /// The roles `user` holds in `tenant`, sorted by id; empty when none or unknown.
    public func roles(ofUser user: String, in tenant: TenantID) -> [RoleID] {
        guard let set = users.grants(for: user)?.roleSet(in: tenant) else { return [] }
        return roleSets.members[Int(set.rawValue)]
    }

    /// Every (tenant, roles) pair of `user`, or `nil` for an unknown user.
    public func assignments(ofUser user: String) -> [(tenant: TenantID, roles: [RoleID])]? {
        guard let grants = users.grants(for: user) else { return nil }
        return grants.grants.map { ($0.tenant, roleSets.members[Int($0.roles.rawValue)]) }
    }

    /// Calls `body` for every user with their grants (unordered).
    public func forEachUser(_ body: (String, [(tenant: TenantID, roles: [RoleID])]) throws -> Void) rethrows {
        try users.forEach { key, grants in
            try body(key, grants.grants.map { ($0.tenant, roleSets.members[Int($0.roles.rawValue)]) })
        }
    }

    // MARK: Writing

    /// Adds or replaces a tenant's descriptive fields. Returns its id.
    @discardableResult
    public mutating func upsertTenant(key: String, name: String?, description: String? = nil, attributes: [String: AttributeValue] = [:]) -> TenantID {
        let tenant = Tenant(key: key, name: name, description: description, attributes: attributes)
        if let id = tenantIDs.value(for: key) {
            tenants[id.index] = tenant
            return id
        }
        return Self.insertTenant(tenant, ids: &tenantIDs, tenants: &tenants)
    }

    /// Deletes a tenant and every assignment in it. The default tenant cannot be deleted.
    /// Scans every user: O(users). When the holders are known, use
    /// ``removeTenant(key:holders:)``.
    /// - Returns: `false` when the tenant does not exist or is the default tenant.
    @discardableResult
    public mutating func removeTenant(key: String) -> Bool {
        guard let id = tenantIDs.value(for: key), id != defaultTenant else { return false }
        var holders: [String] = []
        users.forEach { user, grants in if grants.roleSet(in: id) != nil { holders.append(user) } }
        return removeTenant(key: key, holders: holders)
    }

    /// Deletes a tenant and the assignments in it of `holders`, which must name every user
    /// holding a role there: O(holders), whatever the number of users.
    /// - Returns: `false` when the tenant does not exist or is the default tenant.
    @discardableResult
    public mutating func removeTenant(key: String, holders: some Sequence<String>) -> Bool {
        guard let id = tenantIDs.value(for: key), id != defaultTenant else { return false }
        for user in holders {
            guard var grants = users.grants(for: user), grants.roleSet(in: id) != nil else { continue }
            grants.set(nil, in: id)
            users.update(grants, for: user)
        }
        tenantIDs.removeValue(forKey: key)
        tenants[id.index] = nil
        return true
    }

    /// Makes room for `users` users in all, so adding that many does not regrow the table
    /// (a full rebuild from the API facts calls this once).
    public mutating func reserveUsers(_ users: Int) { self.users.reserve(users) }

    /// Makes sure `user` exists (a user with no roles is known, and denied with that reason).
    public mutating func addUser(_ user: String) {
        if users.grants(for: user) == nil { users.update(UserGrants(), for: user) }
    }

    /// Deletes a user and all their assignments. Returns `false` for an unknown user.
    @discardableResult
    public mutating func removeUser(_ user: String) -> Bool { users.remove(user) }

    /// Gives `user` (created if needed) `role` in `tenant`. Returns `false` if already held.
    @discardableResult
    public mutating func assign(user: String, role: RoleID, tenant: TenantID) -> Bool {
        var current = roles(ofUser: user, in: tenant)
        guard !current.contains(role) else {
            addUser(user)
            return false
        }
        current.append(role)
        current.sort()
        setRoles(current, user: user, tenant: tenant)
        return true
    }

    /// Takes `role` in `tenant` away from `user`. Returns `false` if it was not held.
    @discardableResult
    public mutating func unassign(user: String, role: RoleID, tenant: TenantID) -> Bool {
        var current = roles(ofUser: user, in: tenant)
        guard let index = current.firstIndex(of: role) else { return false }
        current.remove(at: index)
        setRoles(current, user: user, tenant: tenant)
        return true
    }

    private mutating func setRoles(_ roles: [RoleID], user: String, tenant: TenantID) {
        var grants = users.grants(for: user) ?? UserGrants()
        grants.set(roles.isEmpty ? nil : roleSets.intern(roles, policy: policy), in: tenant)
        users.update(grants, for: user)
    }

    /// Applies the users declared in the policy, reporting unknown roles and tenants.
    ///
    /// Builds each user's grants in one pass (one table update per user, one role-set intern
    /// per tenant), so loading a million users stays well under a second.
    mutating func applyStaticUsers(_ definitions: [UserDefinition], diagnostics: inout Diagnostics) {
        var seen: [String: SourceLocation] = [:]
        seen.reserveCapacity(definitions.count)
        var perTenant: [(tenant: TenantID, roles: [RoleID])] = []
        for user in definitions {
            let key = user.key.value
            if let first = seen.updateValue(user.key.location, forKey: key) {
                seen[key] = first
                diagnostics.append(PolicyCompiler.duplicate("user", key, user.key.location, first))
                continue
            }
            perTenant.removeAll(keepingCapacity: true)
            for assignment in user.assignments {
                let role = policy.roleID(assignment.role.value)
                let tenant = tenantID(assignment.tenant.value)
                if role == nil {
                    diagnostics.append(
                        Diagnostic(
                            .unknownRole,
                            "user '\(key)' is assigned role '\(assignment.role.value)', which is not declared",
                            at: assignment.role.location))
                }
                if tenant == nil {
                    diagnostics.append(
                        Diagnostic(
                            .unknownTenant,
                            "user '\(key)' is assigned a role in tenant '\(assignment.tenant.value)', which is not declared",
                            at: assignment.tenant.location))
                }
                guard let role, let tenant else { continue }
                if let index = perTenant.firstIndex(where: { $0.tenant == tenant }) {
                    if !perTenant[index].roles.contains(role) { perTenant[index].roles.append(role) }
                } else {
                    perTenant.append((tenant, [role]))
                }
            }
            var grants = users.grants(for: key) ?? UserGrants()
            for (tenant, roles) in perTenant {
                let existing = self.roles(in: grants, tenant: tenant)
                let merged = existing.isEmpty ? (roles.count == 1 ? roles : roles.sorted()) : Set(roles + existing).sorted()
                grants.set(roleSets.intern(merged, policy: policy), in: tenant)
            }
            users.update(grants, for: key)
        }
    }

    // MARK: Building from stored facts

    /// The id of the tenant whose key is the UTF-8 bytes `key`, or `nil`.
    public func tenantID(bytes key: UnsafeRawBufferPointer) -> TenantID? { tenantIDs.value(forBytes: key) }

    /// Makes room for `users` more users, sizing the table for them up front (a restart
    /// about to add that many from its files; an upper bound is fine).
    public mutating func reserveForLoading(users more: Int) { users.reserve(users.count + more, sizingShards: true) }

    /// Users a restart adds from its files, gathered (``add(_:userBytes:)``,
    /// ``grant(_:userBytes:_:)``) and then inserted shard by shard (``insert(_:)``), so that
    /// the table is filled one cache-sized shard at a time instead of at a random place per
    /// user. The key bytes must stay valid until ``insert(_:)``.
    public struct UserBatch {
        /// In the order added; one flat array (arrays of arrays were copied as they grew).
        fileprivate var pending: [ShardedUserTable.PendingUser] = []
        /// How many of `pending` came from ``add(_:userBytes:)``, and where the next granted
        /// user is looked for among them: a file lists the users' assignments in the order
        /// it lists the users.
        fileprivate var added = 0
        fileprivate var cursor = 0
    }

    /// An empty batch for about `users` users.
    public func makeUserBatch(capacity users: Int = 0) -> UserBatch {
        var batch = UserBatch()
        batch.pending.reserveCapacity(users)
        return batch
    }

    /// Adds the user whose key is the UTF-8 bytes `key` to `batch` (no roles yet).
    public func add(_ batch: inout UserBatch, userBytes key: UnsafeRawBufferPointer) {
        precondition(batch.added == batch.pending.count, "users are added before they are granted roles")
        batch.pending.append(.init(hash: users.place(key).hash, key: key, grants: UserGrants()))
        batch.added += 1
    }

    /// Gives the user whose key is the UTF-8 bytes `key` each `(tenant, role)` of `pairs`
    /// (those of one tenant next to each other) in `batch`: on their entry when they were
    /// added in the same order, else on a new one (merged at ``insert(_:)``). No array is made
    /// for a user's one role in a tenant.
    public mutating func grant(_ batch: inout UserBatch, userBytes key: UnsafeRawBufferPointer, _ pairs: [(tenant: TenantID, role: RoleID)]) {
        while batch.cursor < batch.added {
            let order = Self.compare(batch.pending[batch.cursor].key, key)
            if order == 0 {
                batch.pending[batch.cursor].grants = makeGrants(pairs, onto: batch.pending[batch.cursor].grants)
                batch.cursor += 1
                return
            }
            // Users without assignments are passed over; a user listed later than their
            // assignments (not the order files are written in) gets an entry of their own.
            guard order < 0 else { break }
            batch.cursor += 1
        }
        batch.pending.append(.init(hash: users.place(key).hash, key: key, grants: makeGrants(pairs, onto: UserGrants())))
    }

    /// Inserts the batch's users (merging with users already in the index, and with each
    /// other when a key came twice).
    public mutating func insert(_ batch: consuming UserBatch) {
        var duplicates: [ShardedUserTable.PendingUser] = []
        users.insert(batch.pending) { duplicates.append($0) }
        for duplicate in duplicates {
            var pairs: [(tenant: TenantID, role: RoleID)] = []
            for grant in duplicate.grants.grants {
                for role in roleSets.members[Int(grant.roles.rawValue)] { pairs.append((grant.tenant, role)) }
            }
            guard !pairs.isEmpty else { continue }
            var grants = users.grants(forBytes: duplicate.key) ?? UserGrants()
            grants = makeGrants(pairs, onto: grants)
            users.update(grants, forBytes: duplicate.key)
        }
    }

    /// `grants` with each `(tenant, role)` of `pairs` added.
    private mutating func makeGrants(_ pairs: [(tenant: TenantID, role: RoleID)], onto grants: UserGrants) -> UserGrants {
        var grants = grants
        var start = 0
        while start < pairs.count {
            let tenant = pairs[start].tenant
            var end = start + 1
            while end < pairs.count && pairs[end].tenant == tenant { end += 1 }
            let existing = roles(in: grants, tenant: tenant)
            let set =
                existing.isEmpty && end - start == 1
                ? roleSets.intern(single: pairs[start].role, policy: policy)
                : roleSets.intern(Set(existing + pairs[start..<end].map(\.role)).sorted(), policy: policy)
            grants.set(set, in: tenant)
            start = end
        }
        return grants
    }

    private static func compare(_ xs: UnsafeRawBufferPointer, _ ys: UnsafeRawBufferPointer) -> Int {
        FactKey.compare(xs.assumingMemoryBound(to: UInt8.self), ys.assumingMemoryBound(to: UInt8.self))
    }

    private func roles(in grants: UserGrants, tenant: TenantID) -> [RoleID] {
        guard let set = grants.roleSet(in: tenant) else { return [] }
        return roleSets.members[Int(set.rawValue)]
    }
}
