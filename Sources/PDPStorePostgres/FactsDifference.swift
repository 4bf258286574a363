// SPDX-License-Identifier: Apache-2.0
import PDPStore

/// The mutations that turn one set of facts into another, for a sidecar that replaces its
/// facts with a whole snapshot while serving: the writer publishes them like any change, so
/// the snapshot, ids and listings move on incrementally. O(both sets).
enum FactsDifference {
    static func mutations(from old: FactsState, to new: FactsState) -> [FactsMutation] {
        var mutations: [FactsMutation] = []
        var running = old
        func add(_ mutation: FactsMutation) {
            running.apply(mutation)
            mutations.append(mutation)
        }
        for (key, _) in old.assignments where new.assignedAt(key) == nil { add(.unassign(key)) }
        for (key, user) in old.users where new.users[key] == nil { add(.deleteUser(key: user.key)) }
        for (key, tenant) in old.tenants where new.tenants[key] == nil { add(.deleteTenant(key: tenant.key)) }
        for (key, tenant) in new.tenants where running.tenants[key] != tenant { add(.putTenant(tenant)) }
        for (key, user) in new.users where running.users[key] != user { add(.putUser(user)) }
        // After the deletes (which cascade), whatever `new` assigns and `running` lacks.
        for (key, time) in new.assignments where running.assignedAt(key) != time {
            if running.assignedAt(key) != nil { add(.unassign(key)) }
            add(.assign(key, at: time))
        }
        return mutations
    }
}
