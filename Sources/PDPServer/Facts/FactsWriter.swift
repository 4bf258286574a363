// SPDX-License-Identifier: Apache-2.0
import Dispatch
import Logging
import NIOCore
import PDPCore
import PDPFacts
import PDPStore
import ServiceLifecycle
import Synchronization

/// The one writer of facts. Every write and every policy reload runs on one serial dispatch
/// queue, in arrival order: the ``FactsEngine`` validates, appends to the journal and
/// fsyncs, and builds the next snapshot (incrementally, or a full rebuild on reload); the
/// writer publishes it, and only then completes the request. So a write is acknowledged only
/// once checks see it, while checks keep reading the previous snapshot without waiting.
///
/// Writes that queue up while the disk is busy are committed together: one write and one
/// fsync for the whole batch (group commit), each request still all or nothing.
///
/// No threads of its own: the queues need no starting or stopping. After ``shutdown()``
/// (or graceful shutdown of ``run()``), queued work finishes and new writes are refused with
/// 503 at once, on the caller's thread, without touching the disk.
public final class FactsWriter: Service, Sendable {
    enum Job: Sendable {
        case write(FactsWrite, EventLoopPromise<Result<FactsReply, FactsError>>)
        case reload(PolicySnapshot, @Sendable ([AssignmentKey]) -> Void)
        /// Retries the storage after a failed write (see ``retryInterval``).
        case probe
        /// Apply what other sidecars committed to a shared store.
        case follow
    }

    /// Whether the facts can be written, and how the journal is doing (for `/ready` and
    /// `/metrics`); updated by the writer after every commit.
    public struct StorageStatus: Sendable {
        /// Why the last write failed (a full disk, a read-only or failing device); `nil`
        /// once a write succeeds. While set, `/ready` answers 503.
        public var writeProblem: String?
        public var journalBytes: Int
        public var lastSyncNanoseconds: UInt64?
    }

    /// While writes fail, how often the writer tries the storage again by itself (rewriting
    /// the snapshot and a fresh journal from memory), so that `/ready` comes back once the
    /// disk is usable even when no client writes meanwhile.
    public static let retryInterval: Duration = .seconds(5)

    private struct Pending {
        var jobs: [Job] = []
        var scheduled = false
        var stopped = false
        /// A `.follow` is queued: one is enough however often the store wakes the writer.
        var followQueued = false
    }

    /// The engine, once the facts are loaded. Only the writer's queue uses it, and the
    /// loading job is the first the queue runs.
    private let engine: Mutex<Loading>
    private let pending = Mutex(Pending())
    private let queue = DispatchQueue(label: "pdp.facts.writer")
    private let compactionQueue = DispatchQueue(label: "pdp.facts.compaction", qos: .utility)
    private let catalogs: FactsCatalogStore
    private let status: Mutex<StorageStatus>
    private let syncObserver = Mutex<(@Sendable (UInt64) -> Void)?>(nil)
    /// What `/ready` and `/metrics` count while the catalog is being built.
    private let loadingSummary: Mutex<FactsSummary?>
    let snapshots: SnapshotStore
    let logger: Logger
    /// Where the facts are kept, for `/ready`: `journal`, `memory` or `postgres`.
    public let storageKind: String
    /// How far a shared store's facts are followed (`nil` for a local store), for `/ready`.
    public let sync: FactsSyncStatus?
    /// Seconds behind a shared store after which `/ready` answers 503 (`nil`: never).
    public let maxStaleness: Double?
    /// ``PolicyDigest`` of the policy in effect, for `/ready`.
    private let digest: Mutex<String>

    private enum Loading {
        /// Checks are answered from `effective`; the state, listings and stable ids the facts
        /// API needs are built from `store` by the writer queue's first job.
        case loading(FactsStore, base: PolicySnapshot, effective: PolicySnapshot, dangling: [AssignmentKey])
        case loaded(FactsEngine)

        /// The engine. Only on the writer's queue, where loading is the first job.
        var engine: FactsEngine {
            guard case .loaded(let engine) = self else { preconditionFailure("a facts writer job ran before the facts were loaded") }
            return engine
        }
    }

    /// Publishes the effective snapshot (`base` plus the facts in `storage`) into
    /// `snapshots`.
    /// - Parameters:
    ///   - base: the compiled policy with its static users (`PolicyCompiler.compile`).
    ///   - storage: the recovered store; the writer owns it from now on.
    ///   - maxStaleness: seconds behind a shared store after which `/ready` answers 503
    ///     (`nil`, the default: never).
    public convenience init(
        base: PolicySnapshot, storage: sending any FactsStorage, snapshots: SnapshotStore, logger: Logger,
        maxStaleness: Double? = nil
    ) {
        let (kind, sync) = (storage.kind, storage.syncStatus)
        let engine = FactsEngine(base: base, storage: storage, now: .now())
        let (published, catalog, dangling, status) = (engine.snapshot, engine.catalog, engine.dangling, Self.status(of: engine.storage))
        self.init(
            base: base, kind: kind, sync: sync, maxStaleness: maxStaleness, snapshots: snapshots, logger: logger, published: published,
            catalog: catalog, summary: nil, dangling: dangling, status: status, engine: .loaded(engine))
    }

    /// Publishes the effective snapshot of the facts `store` read (opened with
    /// `deferringState`) as soon as the decision index is built from its files, then builds
    /// what the facts API needs (the state, listings and stable ids: several seconds with a
    /// million users) as the writer queue's first job. Until then checks are answered, and
    /// facts API requests, `/authorized_users` and writes wait (``whenLoaded(on:)``).
    /// - Parameter onLoadFailure: called on the writer's queue if the state cannot be built
    ///   after all (bytes whose checksum matched that do not decode, which the index builder
    ///   would have refused first); the server exits then.
    ///   - beforeLoading: runs on the writer's queue before the catalog is built (tests hold
    ///     the loading there to see requests wait).
    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` when the snapshot does not
    ///   decode; nothing is published then.
    public convenience init(
        base: PolicySnapshot, loading store: sending FactsStore, snapshots: SnapshotStore, logger: Logger,
        onLoadFailure: @escaping @Sendable (FactsStoreError) -> Void, beforeLoading: (@Sendable () -> Void)? = nil
    ) throws(FactsStoreError) {
        guard let image = store.image, let (effective, summary, dangling) = try EffectiveFacts.build(base: base, image: image) else {
            // Nothing deferred, or a snapshot only the full decoder reads: build it all now.
            try store.materialize()
            self.init(base: base, storage: store, snapshots: snapshots, logger: logger)
            return
        }
        let (kind, status) = (store.kind, StorageStatus(writeProblem: nil, journalBytes: store.journalBytes, lastSyncNanoseconds: nil))
        self.init(
            base: base, kind: kind, sync: nil, maxStaleness: nil, snapshots: snapshots, logger: logger, published: effective,
            catalog: nil, summary: summary, dangling: dangling, status: status,
            engine: .loading(store, base: base, effective: effective, dangling: dangling))
        queue.async { [self] in
            beforeLoading?()
            finishLoading(onLoadFailure: onLoadFailure)
        }
    }

    /// Publishes `published`; `catalog` is `nil` (and `summary` set) while `engine` is loading.
    private init(
        base: PolicySnapshot, kind: String, sync: FactsSyncStatus?, maxStaleness: Double?, snapshots: SnapshotStore, logger: Logger,
        published: PolicySnapshot, catalog: FactsCatalog?, summary: FactsSummary?, dangling: [AssignmentKey], status: StorageStatus,
        engine: sending Loading
    ) {
        storageKind = kind
        self.sync = sync
        self.maxStaleness = maxStaleness
        digest = Mutex(PolicyDigest.of(base.policy))
        snapshots.publish(published)
        self.snapshots = snapshots
        self.logger = logger
        catalogs = FactsCatalogStore(catalog)
        loadingSummary = Mutex(summary)
        self.status = Mutex(status)
        self.engine = Mutex(engine)
        Self.report(dangling, logger: logger)
    }

    /// The writer queue's first job after ``init(base:loading:snapshots:logger:onLoadFailure:)``.
    private func finishLoading(onLoadFailure: @Sendable (FactsStoreError) -> Void) {
        let started = ContinuousClock.now
        let failure = engine.withLock { loading -> FactsStoreError? in
            guard case .loading(let store, let base, let effective, let dangling) = loading else { return nil }
            do throws(FactsStoreError) {
                try store.materialize()
            } catch {
                return error
            }
            let engine = FactsEngine(base: base, storage: store, now: .now(), effective: effective, dangling: dangling)
            catalogs.publish(engine.catalog)
            loading = .loaded(engine)
            status.withLock { $0 = Self.status(of: store) }
            return nil
        }
        if let failure {
            logger.critical("the facts could not be loaded after all; stopping", metadata: ["error": "\(failure)"])
            onLoadFailure(failure)
            return
        }
        loadingSummary.withLock { $0 = nil }
        logger.info("facts API ready: state, listings and stable ids built", metadata: ["facts.catalog_duration": "\(started.duration(to: .now))"])
        if let problem = storageStatus.writeProblem {
            logger.error("facts writes are refused until the data directory can be written: \(problem)")
        }
    }

    /// The storage's state as of the last commit.
    public var storageStatus: StorageStatus { status.withLock { $0 } }

    /// Calls `observer` with the duration of every journal fsync, in nanoseconds, on the
    /// writer's queue (the server's metrics use it).
    public func observeSyncs(_ observer: @escaping @Sendable (UInt64) -> Void) {
        syncObserver.withLock { $0 = observer }
    }

    private static func status(of storage: any FactsStorage) -> StorageStatus {
        StorageStatus(writeProblem: storage.writeProblem, journalBytes: storage.journalBytes, lastSyncNanoseconds: storage.lastSyncNanoseconds)
    }

    /// A writer over facts kept in memory only, for `snapshots`' current policy.
    public static func inMemory(snapshots: SnapshotStore, logger: Logger) -> FactsWriter {
        FactsWriter(base: snapshots.current, storage: FactsStore(), snapshots: snapshots, logger: logger)
    }

    /// The facts as REST reads see them. While they are being loaded this waits until they
    /// are: never on an event loop (requests use ``loadedCatalog`` and ``whenLoaded(on:)``).
    public var catalog: FactsCatalog {
        if let catalog = catalogs.current { return catalog }
        queue.sync {}
        return catalogs.current!
    }

    /// The catalog, or `nil` while the facts are being loaded.
    public var loadedCatalog: FactsCatalog? { catalogs.current }

    /// Succeeds with the catalog once the facts are loaded (at once when they are).
    func whenLoaded(on eventLoop: any EventLoop) -> EventLoopFuture<FactsCatalog> {
        if let catalog = catalogs.current { return eventLoop.makeSucceededFuture(catalog) }
        let promise = eventLoop.makePromise(of: FactsCatalog.self)
        // The loading job is ahead of this one on the serial queue.
        queue.async { [catalogs] in
            if let catalog = catalogs.current { promise.succeed(catalog) }
        }
        return promise.futureResult
    }

    /// The counts `/ready` and `/metrics` report: the catalog's, or the loader's while the
    /// catalog is being built (``isLoading``).
    public var summary: FactsSummary {
        if let catalog = catalogs.current { return FactsSummary(catalog) }
        return loadingSummary.withLock { $0 } ?? FactsSummary()
    }

    /// Whether the facts API still waits for the catalog (checks are answered meanwhile).
    public var isLoading: Bool { catalogs.current == nil }

    /// ``PolicyDigest`` of the policy in effect (changes with each reload).
    public var policyDigest: String { digest.withLock { $0 } }

    /// Whether the facts are further behind a shared store than ``maxStaleness`` allows
    /// (never synced counts as too far). Always `false` without a limit or a shared store.
    public var isTooStale: Bool {
        guard let maxStaleness, let sync else { return false }
        guard let staleness = sync.reading.staleness() else { return true }
        return staleness > maxStaleness
    }

    /// Queues `write`; the future completes once it is durable and visible to checks, or at
    /// once with ``FactsError/Kind/unavailable`` after shutdown.
    func submit(_ write: FactsWrite, on eventLoop: any EventLoop) -> EventLoopFuture<Result<FactsReply, FactsError>> {
        let promise = eventLoop.makePromise(of: Result<FactsReply, FactsError>.self)
        if !enqueue(.write(write, promise)) {
            promise.succeed(.failure(.unavailable("the server is shutting down; the write was not stored")))
        }
        return promise.futureResult
    }

    /// Swaps in a newly compiled policy and re-applies every API fact to it, in line with
    /// writes. Returns the API assignments the new policy cannot apply.
    public func reload(base: PolicySnapshot) async -> [AssignmentKey] {
        await withCheckedContinuation { continuation in
            let done: @Sendable ([AssignmentKey]) -> Void = { continuation.resume(returning: $0) }
            // After shutdown the facts no longer change, so the policy can still be swapped.
            if !enqueue(.reload(base, done), evenWhenStopped: true) { done([]) }
        }
    }

    /// Applies, on the writer's queue and in line with writes, what other sidecars committed
    /// to a shared store since the last time. Calls while one is queued are merged. Safe to
    /// call from any thread (the store's change listener calls it on each notification).
    public func follow() {
        _ = enqueue(.follow)
    }

    /// Queues `job` and schedules a drain if none is pending. `false` when stopped.
    private func enqueue(_ job: Job, evenWhenStopped: Bool = false) -> Bool {
        let schedule = pending.withLock { pending -> Bool? in
            if pending.stopped && !evenWhenStopped { return nil }
            if case .follow = job {
                if pending.followQueued { return false }
                pending.followQueued = true
            }
            pending.jobs.append(job)
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        guard let schedule else { return false }
        if schedule { queue.async { [self] in drain() } }
        return true
    }

    /// Runs on the writer queue until no job is left.
    private func drain() {
        while true {
            let jobs = pending.withLock { pending in
                let jobs = pending.jobs
                pending.jobs = []
                pending.followQueued = false
                if jobs.isEmpty { pending.scheduled = false }
                return jobs
            }
            if jobs.isEmpty { return }
            var writes: [(FactsWrite, EventLoopPromise<Result<FactsReply, FactsError>>)] = []
            for job in jobs {
                switch job {
                case .write(let write, let promise):
                    writes.append((write, promise))
                case .reload(let base, let done):
                    commit(writes)
                    writes = []
                    done(applyReload(base))
                case .probe:
                    commit(writes)
                    writes = []
                    probeStorage()
                case .follow:
                    commit(writes)
                    writes = []
                    applyFollow()
                }
            }
            commit(writes)
        }
    }

    /// Stops taking writes, then waits until queued writes and a running compaction are done.
    public func shutdown() async {
        pending.withLock { $0.stopped = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in queue.async { continuation.resume() } }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in compactionQueue.async { continuation.resume() } }
    }

    /// Service entry point: until graceful shutdown, retries the storage every
    /// ``retryInterval`` while writes fail; then ``shutdown()``.
    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            while true {
                do { try await Task.sleep(for: Self.retryInterval) } catch { return }
                if storageStatus.writeProblem != nil { _ = enqueue(.probe) }
            }
        }
        await shutdown()
    }
}

extension FactsWriter {
    /// Executes, commits (one fsync), publishes, then answers a batch of writes.
    fileprivate func commit(_ writes: [(FactsWrite, EventLoopPromise<Result<FactsReply, FactsError>>)]) {
        guard !writes.isEmpty else { return }
        let (outcome, compaction) = engine.withLock { loading -> (FactsEngine.Outcome, FactsCompaction?) in
            let engine = loading.engine
            let outcome = engine.commit(writes.map(\.0), now: .now())
            guard let published = outcome.published else { return (outcome, nil) }
            catalogs.publish(published.catalog)
            snapshots.publish(published.snapshot)
            do {
                return (outcome, try engine.storage.startCompaction())
            } catch {
                logger.error("journal rotation for compaction failed", metadata: ["error": "\(error)"])
                return (outcome, nil)
            }
        }
        if let error = outcome.storageError {
            logger.error("facts write failed; the requests are refused", metadata: ["error": "\(error)"])
        }
        publishStatus()
        if let compaction { runCompaction(compaction) }
        for ((_, promise), result) in zip(writes, outcome.results) { promise.succeed(result) }
    }

    /// Tries to make the storage writable again (an empty commit rewrites the snapshot and
    /// a fresh journal while a write problem is set).
    fileprivate func probeStorage() {
        let recovered = engine.withLock { loading -> Bool in
            let engine = loading.engine
            guard engine.storage.writeProblem != nil else { return false }
            return (try? engine.storage.retryWrites()) != nil
        }
        if recovered { logger.notice("facts storage is writable again") }
        publishStatus()
    }

    private func publishStatus() {
        let (current, synced) = engine.withLock { loading in
            let engine = loading.engine
            return (Self.status(of: engine.storage), engine.storage.lastSyncNanoseconds)
        }
        let previous = status.withLock { status in
            defer { status = current }
            return status.lastSyncNanoseconds
        }
        if let synced, synced != previous, let observer = syncObserver.withLock({ $0 }) { observer(synced) }
    }

    private func runCompaction(_ compaction: FactsCompaction) {
        let logger = self.logger
        compactionQueue.async {
            do {
                try compaction.run()
                logger.debug("facts journal compacted into a snapshot")
            } catch {
                logger.error("facts compaction failed; the next start replays the journal", metadata: ["error": "\(error)"])
            }
        }
    }

    fileprivate func applyFollow() {
        let compaction = engine.withLock { loading -> FactsCompaction? in
            let engine = loading.engine
            let published: (snapshot: PolicySnapshot, catalog: FactsCatalog)?
            do {
                published = try engine.follow()
            } catch {
                // The store keeps trying (its listener wakes the writer again); decisions go
                // on from the facts already applied.
                logger.debug("following the shared facts store failed", metadata: ["error": "\(error)"])
                return nil
            }
            guard let published else { return nil }
            catalogs.publish(published.catalog)
            snapshots.publish(published.snapshot)
            do {
                return try engine.storage.startCompaction()
            } catch {
                logger.error("journal rotation for compaction failed", metadata: ["error": "\(error)"])
                return nil
            }
        }
        if let compaction { runCompaction(compaction) }
    }

    fileprivate func applyReload(_ base: PolicySnapshot) -> [AssignmentKey] {
        engine.withLock { loading in
            let engine = loading.engine
            let dangling = engine.reload(base: base, now: .now())
            let policyDigest = PolicyDigest.of(base.policy)
            digest.withLock { $0 = policyDigest }
            catalogs.publish(engine.catalog)
            snapshots.publish(engine.snapshot)
            Self.report(dangling, logger: logger)
            return dangling
        }
    }

    static func report(_ dangling: [AssignmentKey], logger: Logger) {
        guard !dangling.isEmpty else { return }
        let sample = dangling.prefix(5).map { "\($0.user)/\($0.role)@\($0.tenant)" }.joined(separator: ", ")
        logger.warning(
            "role assignments name a role or tenant the policy does not have: kept in storage, not in effect",
            metadata: ["facts.dangling": "\(dangling.count)", "facts.sample": "\(sample)"])
    }
}
