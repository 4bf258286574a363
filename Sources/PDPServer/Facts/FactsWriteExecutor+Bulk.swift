// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

extension FactsWriteExecutor {
    /// Writes made of several steps: each bulk request, and removing a user from a tenant.
    /// The steps run on a scratch copy of `state`, which replaces it only when every step
    /// succeeded, so a refused request changes nothing (one journal transaction, all or
    /// nothing).
    func executeGrouped(_ write: FactsWrite, state: inout FactsState) throws(RESTError) -> (mutations: [FactsMutation], reply: FactsReply) {
        var scratch = state
        var mutations: [FactsMutation] = []
        func step(_ write: FactsWrite) throws(RESTError) {
            mutations += try execute(write, state: &scratch).mutations
        }
        var reply = FactsReply.emptyObject
        switch write {
        case .bulkUsers(let inputs, let replace):
            for input in inputs { try step(replace ? .syncUser(input) : .createUser(input)) }
        case .bulkDeleteUsers(let keys):
            for key in unique(keys) { try step(.deleteUser(key: key)) }
        case .bulkTenants(let inputs, let replace):
            for input in inputs {
                if replace {
                    mutations += try replaceTenant(input, state: &scratch)
                } else {
                    try step(.createTenant(input))
                }
            }
        case .bulkDeleteTenants(let keys):
            for key in unique(keys) { try step(.deleteTenant(key: key)) }
        case .removeTenantUser(let tenant, let user):
            guard scratch.tenants[tenant] != nil || statics.tenants[tenant] != nil else { throw .notFound("tenant '\(tenant)' does not exist") }
            guard self.user(user, in: scratch) != nil else { throw .notFound("user '\(user)' does not exist") }
            if statics.assignments.contains(where: { $0.user == user && $0.tenant == tenant }) {
                throw .declaredInPolicy("user '\(user)' holds roles in tenant '\(tenant)' in the policy files; remove them there")
            }
            let keys = scratch.assignments.keys.filter { $0.user == user && $0.tenant == tenant }.sorted()
            try step(.unassign(keys, bulk: true))
            reply = .noContent
        default:
            return try execute(write, state: &state)
        }
        state = scratch
        return (mutations, reply)
    }

    /// `PUT bulk/tenants`, per tenant: creates it, or replaces an API tenant (absent fields
    /// cleared, creation time kept). Tenants the policy files declare are 403.
    private func replaceTenant(_ input: TenantInput, state: inout FactsState) throws(RESTError) -> [FactsMutation] {
        if statics.tenants[input.key] != nil {
            throw .declaredInPolicy("tenant '\(input.key)' is declared in the policy files; change it there")
        }
        let existing = state.tenants[input.key]
        let tenant = TenantRecord(
            key: input.key, name: input.name ?? input.key, description: input.description ?? nil, attributes: (input.attributes ?? nil) ?? [:],
            createdAt: existing?.createdAt ?? now, updatedAt: now, lastActionAt: now)
        state.apply(.putTenant(tenant))
        return [.putTenant(tenant)]
    }

    private func unique(_ keys: [String]) -> [String] {
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }
}
