// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import PDPCore
import PDPStore
import PostgresNIO

/// Facts shared by every sidecar through PostgreSQL: the ``FactsStorage`` the writer uses
/// with `--facts-store postgres://...`.
///
/// **Ordering.** Every write transaction first locks the one row of `pdp_facts_head`
/// (`SELECT ... FOR UPDATE`) and holds it until `COMMIT`. So writers commit one at a time,
/// and the positions they give their changes (head + 1, ...) are in commit order with no
/// gaps: a transaction can take the lock only after the previous holder's commit is visible
/// (PostgreSQL makes a commit visible before it releases its locks). A reader that sees
/// position 11 therefore sees 10, and reading `position > mine ORDER BY position` can never
/// skip a change that commits late, the failure a bare sequence (`BIGSERIAL`) would allow:
/// there numbers are taken before commit, so 11 can commit, and be read past, before 10.
/// The cost is one writer at a time across all sidecars (each transaction is a few round
/// trips on one row lock); we chose it over tracking gaps with a timeout (which must guess
/// how long a slow transaction may take) and over `pg_snapshot` visibility checks (more
/// state per reader) because it is simple to prove and plenty for facts traffic.
///
/// **Checked against the latest facts.** Under the lock the writer first reads what other
/// sidecars committed since its position, applies it, and only then validates its own
/// requests, so two sidecars racing on one user are serialized like two requests on one.
///
/// **Locally kept.** Every applied change also goes to a local journal (``FactsStore``) in
/// the sidecar's data directory with its position, so a sidecar can start, and answer,
/// while PostgreSQL is down, and then catch up from where it was. The local copy is tied to
/// the database's `store_id`: pointed at another database, the sidecar reloads everything.
///
/// Not thread-safe: the facts writer's serial queue owns it; every call blocks that queue
/// (never an event loop) for at most the configured timeout per statement.
public final class PostgresFactsStore: FactsStorage {
    public private(set) var state: FactsState
    public private(set) var lastSequence: UInt64
    public var kind: String { "postgres" }
    public var syncStatus: FactsSyncStatus? { status }
    public let configuration: PostgresStoreConfiguration
    /// Updated on every read and write of the database; `/ready` shows it.
    public let status: FactsSyncStatus
    /// The local copy's recovery warnings (for the start log).
    public let cacheWarnings: [String]
    /// How the store started: `"database"` (loaded or caught up), `"local copy"` (PostgreSQL
    /// was unreachable), `"empty"` (neither).
    public private(set) var startedFrom = "database"

    let session: PostgresSession
    let logger: Logger
    private let cache: FactsStore?
    private let identity: StoreIdentityFile?
    /// The `store_id` of the database the facts came from; `nil` before the first contact.
    private var storeID: String?
    /// Whether the schema was checked (migrated) on this process's connection.
    private var migrated = false
    /// Most changes read per round trip while catching up.
    static let pageSize = 5000
    /// Further behind than this, a sidecar reloads the tables instead of reading the log.
    static let reloadAfter: UInt64 = 100_000

    /// Opens the local copy (under `configuration.cacheDirectory`), then tries once to
    /// migrate the schema and catch up with PostgreSQL; when it cannot, starts from the local
    /// copy and leaves catching up to ``follow()``.
    /// - Throws: ``FactsStoreError`` for a damaged or locked local copy (as the journal
    ///   refuses to start); ``PostgresStoreError/schemaTooNew(found:known:)`` for a database
    ///   a newer `pdp` migrated. Never for an unreachable PostgreSQL.
    public init(configuration: PostgresStoreConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        session = PostgresSession(configuration: configuration, logger: logger)
        if let directory = configuration.cacheDirectory {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory))
            cache = store
            identity = StoreIdentityFile(directory: directory)
            cacheWarnings = store.recoveryWarnings
            storeID = identity?.read()
            // A local copy without an identity was never filled from a database: start empty.
            if storeID == nil, store.lastSequence > 0 { try store.replace(with: FactsState(), sequence: 0) }
            state = store.state
            lastSequence = store.lastSequence
        } else {
            cache = nil
            identity = nil
            cacheWarnings = []
            state = FactsState()
            lastSequence = 0
        }
        status = FactsSyncStatus(position: lastSequence)
        do throws(PostgresStoreError) {
            try prepare()
            _ = try catchUp()
        } catch {
            if case .schemaTooNew = error { throw error }
            if case .inconsistent = error { throw error }
            startedFrom = lastSequence > 0 ? "local copy" : "empty"
            status.failed(error.description)
            logger.warning(
                "facts: PostgreSQL is unreachable; serving the \(startedFrom == "empty" ? "(empty) " : "")local copy at position \(lastSequence) until it is back",
                metadata: ["error": "\(error)"])
        }
    }

    // MARK: FactsStorage

    public func commit(preparing prepare: (FactsState) -> [[FactsMutation]]) throws(FactsStoreError) -> [[FactsMutation]] {
        var foreign: [[FactsMutation]] = []
        var missed: [[FactsMutation]] = []
        var transactions: [[FactsMutation]] = []
        var position = lastSequence
        var working = state
        do {
            try self.prepare()
            // Never in contact yet (started while PostgreSQL was down): settle which facts
            // this database holds before writing to it.
            if storeID == nil {
                foreign = try catchUp()
                working = state
                position = lastSequence
            }
            try session.transaction { () throws(PostgresStoreError) in
                let (id, head) = try FactsSnapshotLoader.head(session, forUpdate: true)  // the write lock
                guard id == storeID, head >= lastSequence else {
                    throw .unavailable("the database is not the one these facts came from; catching up first")
                }
                missed = try changes(after: lastSequence, through: head)
                for mutations in missed { working.apply(mutations) }
                let latest = working
                transactions = prepare(latest)
                position = head
                guard !transactions.isEmpty else { return }
                for mutations in transactions { working.apply(mutations) }
                var positions: [Int64] = []
                var payloads: [ByteBuffer] = []
                for mutations in transactions {
                    position += 1
                    positions.append(Int64(position))
                    payloads.append(ByteBuffer(bytes: FactsMutation.encode(mutations)))
                }
                // The log, the tables and the head in one statement (data-modifying WITH
                // clauses): BEGIN, the lock, this, COMMIT are the write's round trips.
                let changes = FactsRowChanges(transactions, before: latest, after: working)
                try session.query(changes.statement(positions: positions, payloads: payloads, position: Int64(position)))
            }
        } catch {
            status.failed(error.description)
            // Whether the database is gone or was swapped, the follower settles it.
            throw .shared(error.description)
        }
        // `missed` and `transactions` take the positions after lastSequence, in order.
        advance(to: working, position: position, by: missed + transactions)
        status.synced(at: position)
        return foreign + missed
    }

    public func follow() throws(FactsStoreError) -> [[FactsMutation]] {
        do {
            try prepare()
            return try catchUp()
        } catch {
            status.failed(error.description)
            throw .shared(error.description)
        }
    }

    public func unstorable(_ mutations: [FactsMutation]) -> String? {
        PostgresTextLimits.problem(mutations)
    }

    public func startCompaction() throws(FactsStoreError) -> FactsCompaction? {
        try cache?.startCompaction()
    }

    // MARK: Following

    /// Migrates the schema once per process (cheap when current; needs the connection).
    private func prepare() throws(PostgresStoreError) {
        guard !migrated else { return }
        let applied = try PostgresSchema.migrate(session)
        if !applied.isEmpty { logger.notice("facts: PostgreSQL schema migrated to version \(PostgresSchema.latestVersion)") }
        migrated = true
    }

    /// Reads and applies every change after ``lastSequence`` up to the head. When the
    /// database is another one than the facts came from, or behind them (restored from a
    /// backup), or its log no longer reaches back, loads the whole snapshot instead and
    /// returns the mutations that turn the old facts into it.
    private func catchUp() throws(PostgresStoreError) -> [[FactsMutation]] {
        let (id, head) = try FactsSnapshotLoader.head(session)
        if id != storeID { return try reload(reason: storeID == nil ? "no local copy of this database" : "a database other than the local copy's") }
        if head < lastSequence { return try reload(reason: "the database is behind the local copy (restored from a backup?)") }
        if head - lastSequence > Self.reloadAfter { return try reload(reason: "\(head - lastSequence) changes behind: the tables are quicker") }
        var applied: [[FactsMutation]] = []
        while lastSequence < head {
            let page: [[FactsMutation]]
            do {
                page = try changes(after: lastSequence, through: min(head, lastSequence + UInt64(Self.pageSize)))
            } catch {
                guard case .inconsistent = error else { throw error }
                // Old changes were deleted from the log: the tables still hold every fact.
                return applied + (try reload(reason: "the change log no longer holds position \(lastSequence + 1)"))
            }
            var next = state
            for mutations in page { next.apply(mutations) }
            advance(to: next, position: lastSequence + UInt64(page.count), by: page)
            status.applied(through: lastSequence)
            applied += page
        }
        status.synced(at: lastSequence)
        return applied
    }

    /// The changes in `(after, through]`, in order; they must all be there.
    private func changes(after: UInt64, through: UInt64) throws(PostgresStoreError) -> [[FactsMutation]] {
        guard through > after else { return [] }
        let rows = try session.query(
            "SELECT position, mutations FROM pdp_facts_changes WHERE position > \(Int64(after)) AND position <= \(Int64(through)) ORDER BY position")
        var result: [[FactsMutation]] = []
        result.reserveCapacity(rows.count)
        var expected = after + 1
        for row in rows {
            guard let (position, bytes) = try? row.decode((Int64, ByteBuffer).self), UInt64(position) == expected else {
                throw .inconsistent("the change log does not hold position \(expected) (it runs to \(through))")
            }
            do {
                result.append(try FactsMutation.decode(Array(buffer: bytes), source: "pdp_facts_changes", offset: Int(position)))
            } catch {
                throw .inconsistent("change \(position) does not decode: \(error)")
            }
            expected += 1
        }
        guard expected == through + 1 else { throw .inconsistent("the change log stops at \(expected - 1), the head is at \(through)") }
        return result
    }

    /// Loads every fact from the tables, replacing what this sidecar had.
    private func reload(reason: String) throws(PostgresStoreError) -> [[FactsMutation]] {
        let loaded = try FactsSnapshotLoader.load(session)
        logger.notice(
            "facts: loaded \(loaded.state.users.count) users, \(loaded.state.tenants.count) tenants, \(loaded.state.assignments.count) role assignments at position \(loaded.position) from \(configuration.redacted) (\(reason))")
        let difference = FactsDifference.mutations(from: state, to: loaded.state)
        state = loaded.state
        lastSequence = loaded.position
        storeID = loaded.storeID
        if let cache {
            do {
                try cache.replace(with: state, sequence: lastSequence)
                try identity?.write(loaded.storeID)
            } catch {
                logger.warning("facts: the local copy could not be rewritten; it is retried with the next change", metadata: ["error": "\(error)"])
            }
        }
        status.synced(at: lastSequence)
        return difference.isEmpty ? [] : [difference]
    }

    /// Moves the facts to `next` at `position` and keeps the local copy in step (best
    /// effort: PostgreSQL holds the facts; a failed local write is redone in full later).
    private func advance(to next: FactsState, position: UInt64, by transactions: [[FactsMutation]]) {
        state = next
        lastSequence = position
        guard let cache else { return }
        do {
            if cache.lastSequence + UInt64(transactions.count) == position, cache.writeProblem == nil {
                try cache.commit(transactions)
            } else {
                try cache.replace(with: state, sequence: position)
            }
        } catch {
            logger.warning("facts: the local copy could not be written; it is rewritten with the next change", metadata: ["error": "\(error)"])
        }
    }
}
