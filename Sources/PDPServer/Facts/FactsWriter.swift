// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOPosix
import PDPCore
import PDPStore
import ServiceLifecycle
import Synchronization

/// The one writer of facts. Every write and every policy reload runs on its single thread,
/// in arrival order: validate, append to the journal and fsync, build the next snapshot
/// (incrementally, or a full rebuild on reload), publish it, and only then complete the
/// request. So a write is acknowledged only once checks see it, while checks keep reading
/// the previous snapshot without waiting.
///
/// Writes that queue up while the disk is busy are committed together: one write and one
/// fsync for the whole batch (group commit), each request still all or nothing.
///
/// Compaction of the journal runs on a second thread. Run the writer as a `Service` (its
/// ``run()`` shuts the threads down after graceful shutdown) or call ``shutdown()``.
public final class FactsWriter: Service, Sendable {
    enum Job: Sendable {
        case write(FactsWrite, EventLoopPromise<Result<FactsReply, RESTError>>)
        case reload(PolicySnapshot, @Sendable ([AssignmentKey]) -> Void)
    }

    struct Owned: ~Copyable {
        var storage: FactsStore
        var base: PolicySnapshot
        var policyLoadedAt: Timestamp
        /// Stable ids of the users and tenants in `storage`, kept in step with commits.
        var ids: StableIDIndex
    }

    private let owned: Mutex<Owned>
    private let queue = Mutex<(jobs: [Job], scheduled: Bool)>(([], false))
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let compactionThread = NIOThreadPool(numberOfThreads: 1)
    private let catalogs: FactsCatalogStore
    let snapshots: SnapshotStore
    let logger: Logger
    /// Whether the facts are on disk (for `/ready`).
    public let isDurable: Bool

    /// Publishes the effective snapshot (`base` plus the facts in `storage`) into
    /// `snapshots` and starts the writer thread.
    /// - Parameters:
    ///   - base: the compiled policy with its static users (`PolicyCompiler.compile`).
    ///   - storage: the recovered store; the writer owns it from now on.
    public init(base: PolicySnapshot, storage: sending FactsStore, snapshots: SnapshotStore, logger: Logger) {
        let now = Timestamp.now()
        self.isDurable = storage.configuration.directory != nil
        let (snapshot, dangling) = EffectiveFacts.build(base: base, api: storage.state)
        let ids = StableIDIndex(state: storage.state)
        snapshots.publish(snapshot)
        self.snapshots = snapshots
        self.catalogs = FactsCatalogStore(
            FactsCatalog(api: storage.state, statics: StaticFacts(policy: base.policy), policy: base.policy, policyLoadedAt: now, dangling: dangling,
                         apiIDs: ids))
        self.logger = logger
        self.owned = Mutex(Owned(storage: storage, base: base, policyLoadedAt: now, ids: ids))
        thread.start()
        compactionThread.start()
        Self.report(dangling, logger: logger)
    }

    /// A writer over facts kept in memory only, for `snapshots`' current policy.
    public static func inMemory(snapshots: SnapshotStore, logger: Logger) -> FactsWriter {
        FactsWriter(base: snapshots.current, storage: FactsStore(), snapshots: snapshots, logger: logger)
    }

    /// The facts as REST reads see them.
    public var catalog: FactsCatalog { catalogs.current }

    /// Queues `write`; the future completes once it is durable and visible to checks.
    func submit(_ write: FactsWrite, on eventLoop: any EventLoop) -> EventLoopFuture<Result<FactsReply, RESTError>> {
        let promise = eventLoop.makePromise(of: Result<FactsReply, RESTError>.self)
        enqueue(.write(write, promise))
        return promise.futureResult
    }

    /// Swaps in a newly compiled policy and re-applies every API fact to it, in line with
    /// writes. Returns the API assignments the new policy cannot apply.
    public func reload(base: PolicySnapshot) async -> [AssignmentKey] {
        await withCheckedContinuation { continuation in
            enqueue(.reload(base, { continuation.resume(returning: $0) }))
        }
    }

    private func enqueue(_ job: Job) {
        let schedule = queue.withLock { queue in
            queue.jobs.append(job)
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if schedule { thread.submit { [self] _ in drain() } }
    }

    /// Runs on the writer thread until the queue is empty.
    private func drain() {
        while true {
            let jobs = queue.withLock { queue in
                let jobs = queue.jobs
                queue.jobs = []
                if jobs.isEmpty { queue.scheduled = false }
                return jobs
            }
            if jobs.isEmpty { return }
            var writes: [(FactsWrite, EventLoopPromise<Result<FactsReply, RESTError>>)] = []
            for job in jobs {
                switch job {
                case .write(let write, let promise):
                    writes.append((write, promise))
                case .reload(let base, let done):
                    commit(writes)
                    writes = []
                    done(applyReload(base))
                }
            }
            commit(writes)
        }
    }
}

extension FactsWriter {
    /// Executes, commits (one fsync), publishes, then answers a batch of writes.
    fileprivate func commit(_ writes: [(FactsWrite, EventLoopPromise<Result<FactsReply, RESTError>>)]) {
        guard !writes.isEmpty else { return }
        let catalog = catalogs.current
        var results: [Result<FactsReply, RESTError>] = []
        var compaction: FactsCompaction?
        owned.withLock { owned in
            let executor = FactsWriteExecutor(
                statics: catalog.statics, policy: owned.base.policy, policyLoadedAt: owned.policyLoadedAt, now: .now())
            var working = owned.storage.state
            var transactions: [[FactsMutation]] = []
            for (write, _) in writes {
                do throws(RESTError) {
                    let (mutations, reply) = try executor.execute(write, state: &working)
                    if !mutations.isEmpty { transactions.append(mutations) }
                    results.append(.success(reply))
                } catch {
                    results.append(.failure(error))
                }
            }
            guard !transactions.isEmpty else { return }
            do {
                try owned.storage.commit(transactions)
            } catch {
                logger.error("facts write failed; the requests are refused", metadata: ["error": "\(error)"])
                results = results.map { result in
                    if case .success = result { return .failure(.unavailable("the write could not be stored: \(error)")) }
                    return result
                }
                return
            }
            for mutations in transactions {
                for mutation in mutations { owned.ids.apply(mutation) }
            }
            let snapshot = snapshots.current.updatingFacts { facts in
                for mutations in transactions {
                    for mutation in mutations { EffectiveFacts.apply(mutation, to: &facts, statics: catalog.statics) }
                }
            }
            catalogs.publish(
                FactsCatalog(api: owned.storage.state, statics: catalog.statics, policy: catalog.policy,
                             policyLoadedAt: catalog.policyLoadedAt, dangling: catalog.dangling, apiIDs: owned.ids))
            snapshots.publish(snapshot)
            do {
                compaction = try owned.storage.startCompaction()
            } catch {
                logger.error("journal rotation for compaction failed", metadata: ["error": "\(error)"])
            }
        }
        if let compaction { runCompaction(compaction) }
        for ((_, promise), result) in zip(writes, results) { promise.succeed(result) }
    }

    private func runCompaction(_ compaction: FactsCompaction) {
        let logger = self.logger
        compactionThread.submit { _ in
            do {
                try compaction.run()
                logger.debug("facts journal compacted into a snapshot")
            } catch {
                logger.error("facts compaction failed; the next start replays the journal", metadata: ["error": "\(error)"])
            }
        }
    }

    fileprivate func applyReload(_ base: PolicySnapshot) -> [AssignmentKey] {
        owned.withLock { owned in
            let now = Timestamp.now()
            let (snapshot, dangling) = EffectiveFacts.build(base: base, api: owned.storage.state)
            owned.base = base
            owned.policyLoadedAt = now
            catalogs.publish(
                FactsCatalog(api: owned.storage.state, statics: StaticFacts(policy: base.policy), policy: base.policy,
                             policyLoadedAt: now, dangling: dangling, apiIDs: owned.ids))
            snapshots.publish(snapshot)
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

    /// Stops the threads after finishing queued work.
    public func shutdown() async {
        try? await thread.shutdownGracefully()
        try? await compactionThread.shutdownGracefully()
    }

    /// Service entry point: waits for graceful shutdown, then stops the threads.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
