// SPDX-License-Identifier: Apache-2.0

/// Everything a check needs, frozen: the compiled policy and the facts at one instant.
///
/// Immutable and `Sendable`: the server loads the current snapshot once per request and
/// decides against it without locks. A write produces a new snapshot (``updatingFacts(_:)``).
public struct PolicySnapshot: Sendable {
    public let policy: CompiledPolicy
    public let facts: FactsIndex
    /// Non-fatal diagnostics from compilation.
    public let warnings: Diagnostics

    public init(policy: CompiledPolicy, facts: FactsIndex, warnings: Diagnostics = Diagnostics()) {
        self.policy = policy
        self.facts = facts
        self.warnings = warnings
    }

    /// A new snapshot with `change` applied to a copy of the facts.
    public func updatingFacts<E: Error>(_ change: (inout FactsIndex) throws(E) -> Void) throws(E) -> PolicySnapshot {
        var facts = self.facts
        try change(&facts)
        return PolicySnapshot(policy: policy, facts: facts, warnings: warnings)
    }

    /// Decides a check given as UTF-8 bytes (for example views into a request body).
    ///
    /// The hot path: three hash lookups, a slot lookup and one bit test. No allocation,
    /// no lock. Unknown names are denies with a reason, never errors.
    /// - Parameter tenant: `nil` for the default tenant.
    public func decide(
        user: UnsafeRawBufferPointer, action: UnsafeRawBufferPointer,
        resourceType: UnsafeRawBufferPointer, tenant: UnsafeRawBufferPointer?
    ) -> DecisionOutcome {
        guard let type = policy.resourceTypeIDs.value(forBytes: resourceType) else { return .unknownResourceType }
        guard let actionID = policy.actionIDs.value(forBytes: action), let slot = policy.slot(type, actionID) else {
            return .unknownAction
        }
        let tenantID: TenantID
        if let tenant {
            guard let id = facts.tenantIDs.value(forBytes: tenant) else { return .unknownTenant }
            tenantID = id
        } else {
            tenantID = facts.defaultTenant
        }
        guard let grants = facts.users.grants(forBytes: user) else { return .unknownUser }
        guard let roleSet = grants.roleSet(in: tenantID) else { return .noRoleInTenant }
        return facts.roleSets.contains(roleSet, slot) ? .allowed : .notGranted
    }

    /// Decides one check.
    public func decide(_ request: AccessRequest) -> DecisionOutcome {
        var user = request.user
        var action = request.action
        var type = request.resourceType
        return user.withUTF8 { user in
            action.withUTF8 { action in
                type.withUTF8 { type in
                    if var tenant = request.tenant {
                        return tenant.withUTF8 { tenant in
                            decide(user: .init(user), action: .init(action), resourceType: .init(type), tenant: .init(tenant))
                        }
                    }
                    return decide(user: .init(user), action: .init(action), resourceType: .init(type), tenant: nil)
                }
            }
        }
    }

    /// Decides many checks; the answers are in input order.
    public func decide(_ requests: [AccessRequest]) -> [DecisionOutcome] {
        requests.map { decide($0) }
    }
}
