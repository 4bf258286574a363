// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// The facts writer's work, without threads: executes a batch of writes, commits them to the
/// store (one append and one fsync), and produces the next effective snapshot and catalog,
/// or swaps in a reloaded policy. The server's writer runs it on one serial queue and
/// publishes what it produces; benchmarks and tests drive it directly.
///
/// A write costs O(what it changes): the facts, stable ids and listings are persistent
/// structures shared with the published catalog, and the snapshot is updated incrementally.
///
/// Not thread-safe: one owner at a time.
public final class FactsEngine {
    /// What one batch produced: a result per write, in order, and (when anything was
    /// committed) the snapshot and catalog to publish.
    public struct Outcome {
        public var results: [Result<FactsReply, FactsError>]
        /// `nil` when nothing was committed (every write refused, or made no change).
        public var published: (snapshot: PolicySnapshot, catalog: FactsCatalog)?
        /// Set when the store failed to commit (every accepted write is then refused).
        public var storageError: FactsStoreError?
    }

    public let storage: any FactsStorage
    /// The compiled policy with its static users, without API facts.
    public private(set) var base: PolicySnapshot
    /// The effective snapshot: `base` plus the API facts.
    public private(set) var snapshot: PolicySnapshot
    public private(set) var catalog: FactsCatalog

    /// Builds the effective snapshot and the catalog of `base` and the facts in `storage`.
    /// O(facts log facts).
    public init(base: PolicySnapshot, storage: any FactsStorage, now: Timestamp) {
        self.storage = storage
        self.base = base
        (snapshot, catalog) = Self.build(
            base: base, api: storage.state, ids: StableIDIndex(state: storage.state), position: storage.lastSequence, now: now)
    }

    /// Takes `effective` as the effective snapshot instead of rebuilding it: built by
    /// ``EffectiveFacts/build(base:image:)`` from the files `storage` recovered (and since
    /// materialized), with `dangling` from its summary. Builds the catalog (listings, stable
    /// ids): what a restart does after it went ready.
    public init(base: PolicySnapshot, storage: any FactsStorage, now: Timestamp, effective: PolicySnapshot, dangling: [AssignmentKey]) {
        self.storage = storage
        self.base = base
        snapshot = effective
        catalog = Self.catalog(
            base: base, api: storage.state, ids: StableIDIndex(state: storage.state), dangling: dangling, position: storage.lastSequence,
            now: now)
    }

    /// API assignments the current policy cannot apply (sorted).
    public var dangling: [AssignmentKey] { catalog.dangling.elements(in: 0..<catalog.dangling.count) }

    /// Executes `writes` in order against the facts, commits the changes of the accepted
    /// ones as one transaction each (one append and fsync for all, or one database
    /// transaction), then updates the snapshot and catalog, first by what other writers of a
    /// shared store committed before them. A refused write changes nothing; if the store
    /// fails, every accepted write is answered with ``FactsError/Kind/unavailable`` and
    /// nothing changes.
    public func commit(_ writes: [FactsWrite], now: Timestamp) -> Outcome {
        let before = storage.state
        var transactions: [[FactsMutation]] = []
        var results: [Result<FactsReply, FactsError>] = []
        results.reserveCapacity(writes.count)
        let foreign: [[FactsMutation]]
        do {
            // A shared store calls back with the facts other sidecars committed applied, under
            // its write lock, so the writes are checked against the latest facts.
            foreign = try storage.commit { latest in
                let executor = FactsWriteExecutor(
                    statics: catalog.statics, policy: base.policy, policyLoadedAt: catalog.policyLoadedAt, now: now)
                var working = latest
                for write in writes {
                    let unchanged = working
                    do throws(FactsError) {
                        let (mutations, reply) = try executor.execute(write, state: &working)
                        if let why = storage.unstorable(mutations) {
                            working = unchanged
                            throw FactsError(.unstorable, why)
                        }
                        if !mutations.isEmpty { transactions.append(mutations) }
                        results.append(.success(reply))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                return transactions
            }
        } catch {
            let refused = writes.indices.map { index -> Result<FactsReply, FactsError> in
                if index < results.count, case .failure = results[index] { return results[index] }
                return .failure(.unavailable("the write could not be stored: \(error)"))
            }
            return Outcome(results: refused, storageError: error)
        }
        guard !transactions.isEmpty || !foreign.isEmpty else { return Outcome(results: results) }
        publish(foreign + transactions, from: before)
        return Outcome(results: results, published: (snapshot, catalog))
    }

    /// Applies what other writers of a shared store committed since the last call (nothing
    /// for the local journal), and moves the snapshot and catalog on by it.
    /// - Returns: the snapshot and catalog to publish, or `nil` when nothing changed.
    /// - Throws: ``FactsStoreError`` when the store cannot be read; nothing changes then.
    public func follow() throws(FactsStoreError) -> (snapshot: PolicySnapshot, catalog: FactsCatalog)? {
        let before = storage.state
        let changes = try storage.follow()
        guard !changes.isEmpty else { return nil }
        publish(changes, from: before)
        return (snapshot, catalog)
    }

    /// Swaps in a newly compiled policy and re-applies every API fact to it.
    /// - Returns: the API assignments the new policy cannot apply, sorted.
    public func reload(base: PolicySnapshot, now: Timestamp) -> [AssignmentKey] {
        self.base = base
        (snapshot, catalog) = Self.build(base: base, api: storage.state, ids: catalog.apiIDs, position: storage.lastSequence, now: now)
        return dangling
    }

    /// Moves the snapshot, stable ids and listings on by the committed `transactions`,
    /// replaying them from `before` so each step sees the facts it followed.
    private func publish(_ transactions: [[FactsMutation]], from before: FactsState) {
        let statics = catalog.statics
        var ids = catalog.apiIDs
        var listings = catalog.listings
        var running = before
        snapshot = snapshot.updatingFacts { facts in
            for mutations in transactions {
                for mutation in mutations {
                    let previous = running
                    running.apply(mutation)
                    ids.apply(mutation)
                    listings.apply(mutation, before: previous, after: running, statics: statics)
                    EffectiveFacts.apply(mutation, to: &facts, statics: statics, before: previous)
                }
            }
        }
        catalog = FactsCatalog(
            api: storage.state, statics: statics, policy: catalog.policy, policyLoadedAt: catalog.policyLoadedAt,
            listings: listings, apiIDs: ids, position: storage.lastSequence)
    }

    private static func build(
        base: PolicySnapshot, api: FactsState, ids: StableIDIndex, position: UInt64, now: Timestamp
    ) -> (PolicySnapshot, FactsCatalog) {
        let (snapshot, dangling) = EffectiveFacts.build(base: base, api: api)
        return (snapshot, catalog(base: base, api: api, ids: ids, dangling: dangling, position: position, now: now))
    }

    private static func catalog(
        base: PolicySnapshot, api: FactsState, ids: StableIDIndex, dangling: [AssignmentKey], position: UInt64, now: Timestamp
    ) -> FactsCatalog {
        let statics = StaticFacts(policy: base.policy)
        return FactsCatalog(
            api: api, statics: statics, policy: base.policy, policyLoadedAt: now,
            listings: FactsListings(api: api, statics: statics, dangling: dangling), apiIDs: ids, position: position)
    }
}
