// SPDX-License-Identifier: Apache-2.0

/// Why a check was decided the way it was: for `pdp check`, the server's debug output and
/// failing tests.
public struct Explanation: Sendable, Hashable {
    public var request: AccessRequest
    public var outcome: DecisionOutcome
    /// The tenant the check was evaluated in.
    public var tenant: String
    /// Roles the user holds in that tenant.
    public var heldRoles: [String]
    /// For each held role that grants the permission, the `extends` chain to the role that
    /// declares it, e.g. `["admin", "viewer"]`.
    public var grantingRoles: [[String]]
    /// Roles of the policy that would grant the permission (shown on a deny).
    public var rolesThatWouldGrant: [String]

    /// One plain sentence.
    public var summary: String {
        let permission = "\(request.resourceType):\(request.action)"
        switch outcome {
        case .allowed:
            let via = grantingRoles.map { $0.count == 1 ? "'\($0[0])'" : "'\($0[0])' (via \($0.dropFirst().map { "'\($0)'" }.joined(separator: " -> ")))" }
            return "allowed: role \(via.joined(separator: ", ")) in tenant '\(tenant)' grants \(permission)"
        case .notGranted:
            let held = heldRoles.map { "'\($0)'" }.joined(separator: ", ")
            let would = rolesThatWouldGrant.isEmpty ? "no role grants it" : "it is granted by \(rolesThatWouldGrant.map { "'\($0)'" }.joined(separator: ", "))"
            return "denied: user '\(request.user)' holds \(held) in tenant '\(tenant)', none of which grants \(permission); \(would)"
        case .noRoleInTenant:
            return "denied: user '\(request.user)' holds no role in tenant '\(tenant)'"
        case .unknownUser:
            return "denied: no user '\(request.user)'"
        case .unknownTenant:
            return "denied: no tenant '\(tenant)'"
        case .unknownResourceType:
            return "denied: no resource type '\(request.resourceType)'"
        case .unknownAction:
            return "denied: resource type '\(request.resourceType)' has no action '\(request.action)'"
        }
    }
}

extension PolicySnapshot {
    /// Decides `request` and says why. Allocates; not for the hot path.
    public func explain(_ request: AccessRequest) -> Explanation {
        let outcome = decide(request)
        let tenantKey = request.tenant ?? FactsIndex.defaultTenantKey
        var explanation = Explanation(
            request: request, outcome: outcome, tenant: tenantKey, heldRoles: [], grantingRoles: [],
            rolesThatWouldGrant: [])
        guard let tenant = facts.tenantID(tenantKey) else { return explanation }
        let held = facts.roles(ofUser: request.user, in: tenant)
        explanation.heldRoles = held.map { policy.roles[$0.index].key }
        guard let type = policy.resourceTypeID(request.resourceType),
            let action = policy.actionID(request.action),
            let slot = policy.slot(type, action)
        else { return explanation }
        explanation.grantingRoles = held.compactMap { role in
            policy.grantPath(from: role, to: slot)?.map { policy.roles[$0.index].key }
        }
        explanation.rolesThatWouldGrant = policy.roles(granting: slot).map { policy.roles[$0.index].key }
        return explanation
    }
}
