// SPDX-License-Identifier: Apache-2.0
import Atomics
import PDPCore
import PDPStore

/// What the REST read endpoints answer from: the API-written facts, the YAML layer and the
/// policy, frozen together. Published by ``FactsWriter`` after every write and reload.
public struct FactsCatalog: Sendable {
    public let api: FactsState
    public let statics: StaticFacts
    public let policy: CompiledPolicy
    /// When the current policy was loaded: the timestamps of YAML-declared objects.
    public let policyLoadedAt: Timestamp
    /// API assignments the current policy cannot apply (unknown role or tenant), sorted.
    /// Kept in storage; they take effect again when the role or tenant comes back.
    public let dangling: [AssignmentKey]
    /// Stable id → key of the API-written users and tenants (path ids may be ids or keys).
    let apiIDs: StableIDIndex

    /// Whether `key` names a user, in either layer.
    func userExists(_ key: String) -> Bool { api.users[key] != nil || statics.users[key] != nil }

    /// Whether `key` names a tenant, in either layer.
    func tenantExists(_ key: String) -> Bool { api.tenants[key] != nil || statics.tenants[key] != nil }

    /// Every assignment in effect or kept (both layers), sorted by user, tenant, role.
    func allAssignments() -> [(key: AssignmentKey, createdAt: Timestamp)] {
        var merged = api.assignments
        for key in statics.assignments where merged[key] == nil { merged[key] = policyLoadedAt }
        return merged.map { ($0.key, $0.value) }.sorted { $0.key < $1.key }
    }

    /// The assignments of one user (both layers), sorted.
    func assignments(ofUser user: String) -> [AssignmentKey] {
        var keys = Set(statics.assignments.filter { $0.user == user })
        for key in api.assignments.keys where key.user == user { keys.insert(key) }
        return keys.sorted()
    }
}

/// The current ``FactsCatalog``, swapped atomically (one load per read request, no lock).
final class FactsCatalogStore: Sendable {
    final class Box: AtomicReference, Sendable {
        let catalog: FactsCatalog
        init(_ catalog: FactsCatalog) { self.catalog = catalog }
    }

    private let box: ManagedAtomic<Box>

    init(_ catalog: FactsCatalog) { box = ManagedAtomic(Box(catalog)) }

    var current: FactsCatalog { box.load(ordering: .acquiring).catalog }

    func publish(_ catalog: FactsCatalog) { box.store(Box(catalog), ordering: .releasing) }
}
