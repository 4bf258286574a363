// SPDX-License-Identifier: Apache-2.0

/// Every fact written through the API, by names: users, tenants and role assignments.
///
/// A value type; it does not know the policy, so an assignment may name a role or tenant
/// the current policy lacks (the server reports those instead of dropping them).
public struct FactsState: Hashable, Sendable {
    public var users: [String: UserRecord] = [:]
    public var tenants: [String: TenantRecord] = [:]
    /// Each assignment with the time it was made.
    public var assignments: [AssignmentKey: Timestamp] = [:]

    public init() {}

    /// Applies one change.
    public mutating func apply(_ mutation: FactsMutation) {
        switch mutation {
        case .putUser(let user):
            users[user.key] = user
        case .deleteUser(let key):
            users[key] = nil
            assignments = assignments.filter { $0.key.user != key }
        case .putTenant(let tenant):
            tenants[tenant.key] = tenant
        case .deleteTenant(let key):
            tenants[key] = nil
            assignments = assignments.filter { $0.key.tenant != key }
        case .assign(let key, let time):
            if assignments[key] == nil { assignments[key] = time }
        case .unassign(let key):
            assignments[key] = nil
        }
    }

    /// Applies changes in order.
    public mutating func apply(_ mutations: some Sequence<FactsMutation>) {
        for mutation in mutations { apply(mutation) }
    }
}
