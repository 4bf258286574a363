// SPDX-License-Identifier: Apache-2.0

/// Where the facts writer keeps the facts: the local journal (``FactsStore``), or a database
/// that many sidecars share (the PostgreSQL store). Both number committed transactions
/// without gaps (``lastSequence``), and both are driven by one serialized writer.
///
/// A shared store may hold transactions other processes committed. It hands them to the
/// writer in commit order, once each: before the writer's own writes are prepared (so they
/// are checked against the latest facts) and whenever ``follow()`` is called.
public protocol FactsStorage: AnyObject {
    /// Every fact, as of ``lastSequence``.
    var state: FactsState { get }
    /// The sequence number (change position) of the last transaction in ``state`` (0: none).
    var lastSequence: UInt64 { get }
    /// What `/ready` calls the storage: `"journal"`, `"memory"`, `"postgres"`.
    var kind: String { get }
    /// How far a shared store is followed; `nil` for a store nobody else writes.
    var syncStatus: FactsSyncStatus? { get }

    /// Commits the transactions `prepare` makes from the latest facts, each request's
    /// mutations one transaction, all or nothing, and applies them to ``state``.
    ///
    /// A shared store first takes the store's write lock and reads what other writers
    /// committed; those transactions are applied to ``state`` before `prepare` sees it, and
    /// returned (in order) so the caller can publish them before its own. `prepare` is called
    /// once; when it returns no transaction nothing is written.
    /// - Returns: the transactions other writers committed before these (empty for a local
    ///   store).
    /// - Throws: ``FactsStoreError`` when the transactions could not be committed; then
    ///   ``state`` and ``lastSequence`` are unchanged (foreign transactions included: they
    ///   come again with the next call or ``follow()``).
    func commit(preparing prepare: (FactsState) -> [[FactsMutation]]) throws(FactsStoreError) -> [[FactsMutation]]

    /// Reads and applies what other writers committed since ``lastSequence``, in commit
    /// order. Empty for a store nobody else writes.
    /// - Throws: ``FactsStoreError`` when the shared store cannot be read; nothing changes.
    func follow() throws(FactsStoreError) -> [[FactsMutation]]

    /// Why this store cannot hold `mutations` (one request's changes), or `nil` when it can.
    /// The writer refuses such a request (422) before committing, instead of failing the
    /// whole commit.
    func unstorable(_ mutations: [FactsMutation]) -> String?

    /// Starts folding the local journal into a snapshot once it is large enough; see
    /// ``FactsStore/startCompaction()``. `nil` when there is nothing to do.
    func startCompaction() throws(FactsStoreError) -> FactsCompaction?

    /// Why writes are refused until the storage recovers (a full disk, a read-only or failing
    /// device); `nil` while writes can be stored. `/ready` answers 503 while it is set.
    var writeProblem: String? { get }
    /// Bytes in the local journal (0 when there is none), for `/ready` and `/metrics`.
    var journalBytes: Int { get }
    /// How long the last fsync of the local journal took, if there was one.
    var lastSyncNanoseconds: UInt64? { get }
    /// Tries to make a storage with a ``writeProblem`` writable again without a client's
    /// write (the writer calls it every few seconds while writes fail).
    /// - Throws: ``FactsStoreError`` while the storage is still unusable.
    func retryWrites() throws(FactsStoreError)
}

extension FactsStorage {
    public var writeProblem: String? { nil }
    public var journalBytes: Int { 0 }
    public var lastSyncNanoseconds: UInt64? { nil }
    public func retryWrites() throws(FactsStoreError) {}
}

extension FactsStore: FactsStorage {
    public var kind: String { configuration.directory == nil ? "memory" : "journal" }
    public var syncStatus: FactsSyncStatus? { nil }

    public func commit(preparing prepare: (FactsState) -> [[FactsMutation]]) throws(FactsStoreError) -> [[FactsMutation]] {
        let transactions = prepare(state)
        if !transactions.isEmpty { try commit(transactions) }
        return []
    }

    public func follow() throws(FactsStoreError) -> [[FactsMutation]] { [] }

    /// The journal stores any text.
    public func unstorable(_ mutations: [FactsMutation]) -> String? { nil }

    /// An empty commit: while a write problem is set it rewrites the snapshot and a fresh
    /// journal from memory, and clears the problem when that succeeds.
    public func retryWrites() throws(FactsStoreError) { try commit([]) }
}
