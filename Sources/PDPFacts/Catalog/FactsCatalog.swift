// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// What the REST read endpoints answer from: the API-written facts, the YAML layer, the
/// policy and the sorted listings, frozen together. Published by the writer after every
/// write and reload; every part is persistent, so publishing one costs O(1) and the writer's
/// next change copies only what it touches.
public struct FactsCatalog: Sendable {
    public let api: FactsState
    public let statics: StaticFacts
    public let policy: CompiledPolicy
    /// When the current policy was loaded: the timestamps of YAML-declared objects.
    public let policyLoadedAt: Timestamp
    /// Sorted indexes over both layers, for pages.
    public let listings: FactsListings
    /// Stable id → key of the API-written users and tenants (path ids may be ids or keys).
    public let apiIDs: StableIDIndex
    /// The store's change position (sequence number) of the last transaction in ``api``.
    public let position: UInt64

    public init(
        api: FactsState, statics: StaticFacts, policy: CompiledPolicy, policyLoadedAt: Timestamp, listings: FactsListings,
        apiIDs: StableIDIndex, position: UInt64 = 0
    ) {
        self.api = api
        self.statics = statics
        self.policy = policy
        self.policyLoadedAt = policyLoadedAt
        self.listings = listings
        self.apiIDs = apiIDs
        self.position = position
    }

    /// API assignments the current policy cannot apply (unknown role or tenant). Kept in
    /// storage; they take effect again when the role or tenant comes back.
    public var dangling: SortedIndex<AssignmentKey> { listings.dangling.byUser }

    /// Whether `key` names a user, in either layer.
    public func userExists(_ key: String) -> Bool { api.user(key) != nil || statics.user(key) != nil }

    /// Whether `key` names a tenant, in either layer.
    public func tenantExists(_ key: String) -> Bool { api.tenant(key) != nil || statics.tenant(key) != nil }

    /// The user `key` as the API shows it: its API record, or one made from its policy
    /// declaration; `nil` when neither layer has it.
    public func user(_ key: String) -> UserRecord? { executor.user(key, in: api) }

    /// The tenant `key` as the API shows it (a declared tenant wins), or `nil`.
    public func tenant(_ key: String) -> TenantRecord? {
        if let declared = statics.tenant(key) {
            return TenantRecord(
                key: declared.key, name: declared.name ?? declared.key, description: declared.description, attributes: declared.attributes,
                createdAt: policyLoadedAt, updatedAt: policyLoadedAt, lastActionAt: policyLoadedAt)
        }
        return api.tenant(key)
    }

    /// When `key` was made: its API time, or the policy's load time for a declared one.
    public func createdAt(_ key: AssignmentKey) -> Timestamp { api.assignedAt(key) ?? policyLoadedAt }

    /// The assignments of one user (both layers), sorted. O(the user's assignments).
    public func assignments(ofUser user: String) -> [AssignmentKey] { executor.roles(of: user, in: api) }

    private var executor: FactsWriteExecutor {
        FactsWriteExecutor(statics: statics, policy: policy, policyLoadedAt: policyLoadedAt, now: policyLoadedAt)
    }
}
