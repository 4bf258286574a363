// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// Executes one ``FactsWrite`` against the facts as the writer sees them: checks it (404,
/// 409, 403, per `docs/facts.md`), and returns the mutations to commit and the reply.
///
/// Costs O(what the write touches): every lookup is a persistent-map or per-user index
/// lookup, never a scan of all facts. Runs on the writer only. `state` is updated as the
/// mutations are produced, so the next write of the same batch sees them.
public struct FactsWriteExecutor: Sendable {
    public let statics: StaticFacts
    public let policy: CompiledPolicy
    public let policyLoadedAt: Timestamp
    public let now: Timestamp

    public init(statics: StaticFacts, policy: CompiledPolicy, policyLoadedAt: Timestamp, now: Timestamp) {
        self.statics = statics
        self.policy = policy
        self.policyLoadedAt = policyLoadedAt
        self.now = now
    }

    /// - Throws: ``FactsError`` (not found, duplicate, declared in the policy files); `state`
    ///   may then hold part of the write: grouped writes run on a scratch copy instead.
    public func execute(_ write: FactsWrite, state: inout FactsState) throws(FactsError) -> (mutations: [FactsMutation], reply: FactsReply) {
        var mutations: [FactsMutation] = []
        func record(_ mutation: FactsMutation) {
            mutations.append(mutation)
            state.apply(mutation)
        }
        switch write {
        case .createUser(let input):
            if let existing = user(input.key, in: state) {
                return ([], .user(existing, roles: roles(of: input.key, in: state), created: false))
            }
            let assignments = try validated(input.roleAssignments, state: state, userCreated: true)
            record(.putUser(merge(input, into: UserRecord(key: input.key, createdAt: now, updatedAt: now))))
            for key in assignments where isNew(key, in: state) { record(.assign(key, at: now)) }
            return (mutations, .user(state.user(input.key) ?? UserRecord(key: input.key, createdAt: now, updatedAt: now), roles: roles(of: input.key, in: state), created: true))
        case .syncUser(let input):
            let existing = user(input.key, in: state)
            let assignments = try validated(input.roleAssignments, state: state, userCreated: true)
            // PUT replaces the descriptive fields: absent ones are cleared.
            let replacement = UserInput(key: input.key, email: .some(input.email ?? nil), firstName: .some(input.firstName ?? nil),
                                        lastName: .some(input.lastName ?? nil), attributes: .some(input.attributes ?? nil))
            let base = UserRecord(key: input.key, createdAt: existing?.createdAt ?? now, updatedAt: now)
            record(.putUser(merge(replacement, into: base)))
            for key in assignments where isNew(key, in: state) { record(.assign(key, at: now)) }
            return (mutations, .user(state.user(input.key) ?? base, roles: roles(of: input.key, in: state), created: existing == nil))
        case .updateUser(let input):
            guard var current = user(input.key, in: state) else { throw .notFound("user '\(input.key)' does not exist") }
            current.updatedAt = now
            record(.putUser(merge(input, into: current)))
            return (mutations, .user(state.user(input.key) ?? current, roles: roles(of: input.key, in: state), created: false))
        case .deleteUser(let key):
            if statics.user(key) != nil {
                throw .declaredInPolicy("user '\(key)' is declared in the policy files; remove it there")
            }
            guard state.user(key) != nil else { throw .notFound("user '\(key)' does not exist") }
            record(.deleteUser(key: key))
            return (mutations, .noContent)
        case .assign(let keys, let bulk):
            let valid = try validated(keys, state: state, userCreated: false)
            var created = 0
            for key in valid where state.assignedAt(key) == nil {
                if !statics.assignments.contains(key) { created += 1 }
                record(.assign(key, at: now))
            }
            if bulk { return (mutations, .assignmentsCreated(created)) }
            let key = valid.first ?? keys[0]
            return (mutations, .assignment(key, createdAt: state.assignedAt(key) ?? policyLoadedAt))
        case .unassign(let keys, let bulk):
            var removed = 0
            // Refuse before recording anything: a refused request leaves `state` untouched.
            for key in keys where statics.assignments.contains(key) {
                throw .declaredInPolicy("user '\(key.user)' holds role '\(key.role)' in tenant '\(key.tenant)' in the policy files; remove it there")
            }
            for key in keys where !bulk && state.assignedAt(key) == nil {
                throw .notFound("user '\(key.user)' does not hold role '\(key.role)' in tenant '\(key.tenant)'")
            }
            for key in keys where state.assignedAt(key) != nil {
                removed += 1
                record(.unassign(key))
            }
            return (mutations, bulk ? .assignmentsRemoved(removed) : .noContent)
        case .createTenant(let input):
            if tenantExists(input.key, in: state) { throw .duplicate("tenant '\(input.key)' already exists") }
            var tenant = TenantRecord(key: input.key, name: input.name ?? input.key, createdAt: now, updatedAt: now, lastActionAt: now)
            merge(input, into: &tenant)
            record(.putTenant(tenant))
            return (mutations, .tenant(tenant, created: true))
        case .updateTenant(let input):
            if statics.tenant(input.key) != nil {
                throw .declaredInPolicy("tenant '\(input.key)' is declared in the policy files; change it there")
            }
            guard var tenant = state.tenant(input.key) else { throw .notFound("tenant '\(input.key)' does not exist") }
            if let name = input.name { tenant.name = name }
            merge(input, into: &tenant)
            tenant.updatedAt = now
            tenant.lastActionAt = now
            record(.putTenant(tenant))
            return (mutations, .tenant(tenant, created: false))
        case .deleteTenant(let key):
            if statics.tenant(key) != nil {
                throw .declaredInPolicy("tenant '\(key)' is declared in the policy files (or is the default tenant); remove it there")
            }
            guard state.tenant(key) != nil else { throw .notFound("tenant '\(key)' does not exist") }
            record(.deleteTenant(key: key))
            return (mutations, .noContent)
        case .removeTenantUser, .bulkUsers, .bulkDeleteUsers, .bulkTenants, .bulkDeleteTenants:
            return try executeGrouped(write, state: &state)
        }
    }

    /// The API record of `key`, or one made from its policy declaration, or `nil`.
    public func user(_ key: String, in state: FactsState) -> UserRecord? {
        if let record = state.user(key) { return record }
        guard let declared = statics.user(key) else { return nil }
        return UserRecord(
            key: key, email: declared.email, firstName: declared.firstName, lastName: declared.lastName,
            attributes: declared.attributes, createdAt: policyLoadedAt, updatedAt: policyLoadedAt)
    }

    /// The assignments of `user` in both layers, sorted. O(the user's assignments).
    public func roles(of user: String, in state: FactsState) -> [AssignmentKey] {
        var keys = Set(statics.assignments(ofUser: user))
        keys.formUnion(state.assignments(ofUser: user))
        return keys.sorted()
    }

    func tenantExists(_ key: String, in state: FactsState) -> Bool {
        state.tenant(key) != nil || statics.tenant(key) != nil
    }

    private func isNew(_ key: AssignmentKey, in state: FactsState) -> Bool {
        state.assignedAt(key) == nil && !statics.assignments.contains(key)
    }

    /// Unknown users, roles and tenants are 404 (as Permit answers for unknown objects).
    private func validated(_ keys: [AssignmentKey], state: FactsState, userCreated: Bool) throws(FactsError) -> [AssignmentKey] {
        for key in keys {
            if !userCreated, state.user(key.user) == nil, statics.user(key.user) == nil {
                throw .notFound("user '\(key.user)' does not exist")
            }
            if policy.roleID(key.role) == nil { throw .notFound("role '\(key.role)' does not exist in the policy") }
            if !tenantExists(key.tenant, in: state) { throw .notFound("tenant '\(key.tenant)' does not exist") }
        }
        return keys
    }

    private func merge(_ input: UserInput, into record: UserRecord) -> UserRecord {
        var record = record
        if let email = input.email { record.email = email }
        if let firstName = input.firstName { record.firstName = firstName }
        if let lastName = input.lastName { record.lastName = lastName }
        if let attributes = input.attributes { record.attributes = attributes ?? [:] }
        return record
    }

    private func merge(_ input: TenantInput, into tenant: inout TenantRecord) {
        if let description = input.description { tenant.description = description }
        if let attributes = input.attributes { tenant.attributes = attributes ?? [:] }
    }
}
