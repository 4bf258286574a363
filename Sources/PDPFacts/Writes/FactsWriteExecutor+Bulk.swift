// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

extension FactsWriteExecutor {
    /// Writes made of several steps: each bulk request, and removing a user from a tenant.
    /// The steps run on a scratch copy of `state` (O(1): the maps are persistent), which
    /// replaces it only when every step succeeded, so a refused request changes nothing (one
    /// journal transaction, all or nothing).
    func executeGrouped(_ write: FactsWrite, state: inout FactsState) throws(FactsError) -> (mutations: [FactsMutation], reply: FactsReply) {
        var scratch = state
        var mutations: [FactsMutation] = []
        func step(_ write: FactsWrite) throws(FactsError) {
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
            guard tenantExists(tenant, in: scratch) else { throw .notFound("tenant '\(tenant)' does not exist") }
            guard self.user(user, in: scratch) != nil else { throw .notFound("user '\(user)' does not exist") }
            if statics.assignments(ofUser: user).contains(where: { FactKey.bytesEqual($0.tenant, tenant) }) {
                throw .declaredInPolicy("user '\(user)' holds roles in tenant '\(tenant)' in the policy files; remove them there")
            }
            let keys = scratch.assignments(ofUser: user).filter { FactKey.bytesEqual($0.tenant, tenant) }.sorted()
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
    private func replaceTenant(_ input: TenantInput, state: inout FactsState) throws(FactsError) -> [FactsMutation] {
        if statics.tenant(input.key) != nil {
            throw .declaredInPolicy("tenant '\(input.key)' is declared in the policy files; change it there")
        }
        let existing = state.tenant(input.key)
        let tenant = TenantRecord(
            key: input.key, name: input.name ?? input.key, description: input.description ?? nil, attributes: (input.attributes ?? nil) ?? [:],
            createdAt: existing?.createdAt ?? now, updatedAt: now, lastActionAt: now)
        state.apply(.putTenant(tenant))
        return [.putTenant(tenant)]
    }

    /// `keys` without repeats (byte-wise), in their first order.
    private func unique(_ keys: [String]) -> [String] {
        var seen = Set<FactKey>()
        return keys.filter { seen.insert(FactKey($0)).inserted }
    }
}
