// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Builds a deterministic mix of checks from a compiled policy: its declared users (and some
/// unknown ones), the tenants they belong to, every resource type and action.
public enum WorkloadGenerator {
    /// How the mix is drawn.
    public struct Options: Sendable {
        /// The same seed gives the same workload.
        public var seed: UInt64 = 1
        /// Distinct checks generated (the run cycles through them).
        public var count = 10_000
        /// Checks for users the policy does not know (denied as `unknown_user`).
        public var unknownUserFraction = 0.05
        /// Checks in a tenant other than the user's own (mostly `no_role_in_tenant`).
        public var foreignTenantFraction = 0.1
        /// Of the remaining checks, those that pick a permission one of the user's roles grants
        /// (the rest pick any action of any resource type), so the mix is not all denies.
        public var grantedFraction = 0.5
        /// Resources sent as `type:key` rather than `type`.
        public var keyedFraction = 0.5
        /// Users to draw from besides those the policy declares (the served facts' users).
        public var extraUsers: [String] = []

        public init() {}
    }

    /// `options.count` checks with their expected decisions from `snapshot`.
    public static func generate(from snapshot: PolicySnapshot, options: Options = Options()) -> Workload {
        let policy = snapshot.policy
        let facts = snapshot.facts
        var rng = SplitMix64(seed: options.seed)
        var users = policy.users.map(\.key.value)
        let declared = Set(users)
        users += options.extraUsers.filter { !declared.contains($0) }
        let tenants = facts.tenants.compactMap { $0?.key }
        let types = policy.resourceTypes.filter { !$0.actions.isEmpty }
        var checks: [WorkloadCheck] = []
        checks.reserveCapacity(max(0, options.count))
        guard !types.isEmpty, !tenants.isEmpty else { return Workload(checks: []) }

        func anyPermission() -> (type: String, action: String) {
            let type = types[rng.index(types.count)]
            let action = type.actions[rng.index(type.actions.count)]
            return (type.key, policy.actionKeys[action.index])
        }

        for _ in 0..<max(0, options.count) {
            var user: String
            var tenant = tenants[rng.index(tenants.count)]
            var permission: (type: String, action: String)?
            if users.isEmpty || rng.chance(options.unknownUserFraction) {
                user = "load-unknown-\(rng.index(1000))"
            } else {
                user = users[rng.index(users.count)]
                let assignments = facts.assignments(ofUser: user) ?? []
                if !assignments.isEmpty && !rng.chance(options.foreignTenantFraction) {
                    let assignment = assignments[rng.index(assignments.count)]
                    tenant = facts.tenant(assignment.tenant)?.key ?? tenant
                    if !assignment.roles.isEmpty && rng.chance(options.grantedFraction) {
                        let role = policy.roles[assignment.roles[rng.index(assignment.roles.count)].index]
                        let slots = role.effective.elements
                        if !slots.isEmpty {
                            let owner = policy.owner(of: PermissionSlot(Int32(slots[rng.index(slots.count)])))
                            permission = (policy.resourceTypes[owner.type.index].key, policy.actionKeys[owner.action.index])
                        }
                    }
                }
            }
            let chosen = permission ?? anyPermission()
            let key = rng.chance(options.keyedFraction) ? String(rng.index(10_000)) : nil
            let request = AccessRequest(user: user, action: chosen.action, resourceType: chosen.type, resourceKey: key, tenant: tenant)
            checks.append(WorkloadCheck(request: request, body: RequestEncoder.body(for: request), expected: snapshot.decide(request)))
        }
        return Workload(checks: checks)
    }
}
