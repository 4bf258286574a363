// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Durable facts: an append-only journal of transactions, fsynced before ``commit(_:)``
/// returns, plus a snapshot that compaction rewrites in the background.
///
/// Not thread-safe: one writer owns it (the server's serialized facts writer).
///
/// Recovery on ``init(configuration:)`` loads the snapshot, then replays the journals
/// (`facts.journal.compacting` while a compaction was under way, then `facts.journal`),
/// checking that each continues from what came before it by sequence number. It refuses to
/// start, leaving every file as it is, on damage that is not an unfinished final append, on
/// a snapshot that is missing or older than its journal, and on a journal that is missing
/// beside a snapshot (see ``FactsStoreError``). Then it rewrites the facts as a fresh
/// snapshot and an empty journal. That rewrite needs free space; when it fails the store
/// still opens, with every fact it read, and refuses writes (``writeProblem``) until a
/// later write finds the space to do it.
public final class FactsStore {
    public private(set) var state = FactsState()
    /// The sequence number of the last committed transaction (0 when none).
    public private(set) var lastSequence: UInt64 = 0
    /// What recovery dropped or could not do, one sentence each, for the log.
    public private(set) var recoveryWarnings: [String] = []
    /// Transactions replayed from the journal at startup.
    public private(set) var replayedTransactions = 0
    /// Why the last write (or the rewrite at startup) failed; `nil` once a write succeeds.
    /// While it is set, the next ``commit(_:)`` first rewrites the snapshot and journal.
    public private(set) var writeProblem: String?
    /// How long the last successful journal fsync took, in nanoseconds (`nil` before one).
    public private(set) var lastSyncNanoseconds: UInt64?
    public let configuration: FactsStoreConfiguration

    /// `-1` while a fresh journal must be set up before the next write.
    private var journal: Int32 = -1
    private var journalSize = 0
    private var lock: Int32 = -1
    let files: FactsFiles
    /// What recovery read, while the state is not built yet (see ``init(configuration:deferringState:)``).
    private var pending: FactsRecovery?

    private var directory: String { files.directory }

    /// Opens (or creates) the store and recovers its state.
    /// - Throws: ``FactsStoreError/corruptRecord(file:offset:reason:)``,
    ///   ``FactsStoreError/corruptSnapshot(file:reason:)``,
    ///   ``FactsStoreError/sequenceGap(file:journalContinuesFrom:snapshotHolds:snapshotExists:)``
    ///   and ``FactsStoreError/missingJournal(directory:)`` for a damaged data directory (all
    ///   files left untouched), and ``FactsStoreError/io(_:errno:)`` when the directory cannot
    ///   be created, locked (another process uses it) or read.
    ///
    /// With `deferringState`, it stops once the files are read and proven: ``image`` holds
    /// them, ``state`` is empty, and nothing may be committed until ``materialize()`` has
    /// built the state (and done the rest of recovery). A server builds its decision index
    /// from the image in the meantime.
    public init(configuration: FactsStoreConfiguration, deferringState: Bool = false) throws(FactsStoreError) {
        self.configuration = configuration
        files = FactsFiles(directory: configuration.directory ?? ".")
        guard configuration.directory != nil else { return }
        try POSIXFile.makeDirectory(directory)
        lock = try files.lockExclusively()
        do {
            // Left by a rewrite that did not finish; never renamed into place, so never needed.
            files.removeLeftovers()
            let recovery = try FactsRecovery.scan(files)
            lastSequence = recovery.lastSequence
            replayedTransactions = recovery.replayed
            recoveryWarnings = recovery.warnings
            pending = recovery
            if !deferringState { try materialize() }
        } catch {
            closeFiles()
            throw error
        }
    }

    /// The files as recovery read them, until ``materialize()`` builds the state from them.
    public var image: FactsImage? { pending?.image }

    /// Builds ``state`` from ``image`` and finishes recovery (a fresh snapshot and journal
    /// when the files need it). Does nothing when the state is built already.
    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` when the snapshot's facts
    ///   do not decode; the store is then unusable.
    public func materialize() throws(FactsStoreError) {
        guard let recovery = pending else { return }
        state = try recovery.image.materialize()
        pending = nil
        finishRecovery(recovery)
    }

    /// A store that keeps facts in memory only (nothing survives a restart).
    public init() {
        configuration = FactsStoreConfiguration()
        files = FactsFiles(directory: ".")
    }

    deinit { closeFiles() }

    private func closeFiles() {
        closeJournal()
        if lock >= 0 { _ = close(lock) }
        lock = -1
    }

    private func closeJournal() {
        if journal >= 0 { _ = close(journal) }
        journal = -1
    }

    private func finishRecovery(_ recovery: FactsRecovery) {
        if recovery.isTidy, let size = recovery.appendableJournalSize {
            do {
                journal = try POSIXFile.openFile(files.journal, O_RDWR)
                journalSize = size
                return
            } catch {
                closeJournal()
            }
        }
        do {
            try rewrite()
        } catch {
            writeProblem = "the facts could not be rewritten into a fresh snapshot and journal: \(error)"
            recoveryWarnings.append("\(writeProblem ?? ""); every fact was read and decisions are served, but writes are refused until one finds the space to do it")
        }
    }

    /// Writes the whole state as a snapshot at ``lastSequence``, then puts an empty journal
    /// continuing from it in place of `facts.journal` and removes `facts.journal.compacting`.
    /// Each step is atomic; a crash between them leaves files that recovery reads the same.
    private func rewrite() throws(FactsStoreError) {
        closeJournal()
        try files.snapshots.replace(with: state, sequence: lastSequence)
        let fresh = try files.createJournal(baseSequence: lastSequence)
        do throws(FactsStoreError) {
            try POSIXFile.renameFile(files.nextJournal, files.journal)
            try POSIXFile.remove(files.compacting)
            try POSIXFile.syncDirectory(directory)
        } catch {
            _ = close(fresh)
            throw error
        }
        journal = fresh
        journalSize = JournalFormat.fileHeaderSize
    }

    /// Appends `transactions` (each one request's mutations, all or nothing) in one write
    /// and one fsync, then applies them to ``state``. In memory, only applies them.
    /// - Throws: ``FactsStoreError/io(_:errno:)`` when writing or syncing fails (a full disk,
    ///   a read-only or failing device); nothing is applied then, and the next call first
    ///   rewrites the snapshot and journal from memory, so the store recovers by itself once
    ///   the cause is gone.
    public func commit(_ transactions: [[FactsMutation]]) throws(FactsStoreError) {
        precondition(pending == nil, "FactsStore.commit before materialize()")
        var sequence = lastSequence
        if configuration.directory != nil {
            if journal < 0 {
                do {
                    try rewrite()
                } catch {
                    closeJournal()
                    files.removeLeftovers()
                    writeProblem = "\(error)"
                    throw error
                }
            }
            var bytes: [UInt8] = []
            for mutations in transactions {
                sequence += 1
                bytes += JournalFormat.record(sequence: sequence, payload: FactsCodec.encodeMutations(mutations))
            }
            do {
                try POSIXFile.write(journal, bytes, at: journalSize, files.journal)
                let syncStart = Self.monotonicNanoseconds()
                try POSIXFile.sync(journal, files.journal)
                lastSyncNanoseconds = Self.monotonicNanoseconds() &- syncStart
            } catch {
                // Take the partial append back so a crash cannot replay it, then start from a
                // fresh journal: after a failed fsync the file's contents cannot be trusted.
                _ = ftruncate(journal, off_t(journalSize))
                _ = fsync(journal)
                closeJournal()
                writeProblem = "\(error)"
                throw error
            }
            journalSize += bytes.count
        } else {
            sequence += UInt64(transactions.count)
        }
        writeProblem = nil
        lastSequence = sequence
        for mutations in transactions { state.apply(mutations) }
    }

    /// Replaces every fact with `state` as of transaction `sequence` (a snapshot and an empty
    /// journal continuing from it), for a cache of a shared store that loaded a whole
    /// snapshot or fell out of step. In memory, only swaps the state.
    /// - Throws: ``FactsStoreError/io(_:errno:)`` when the files cannot be written; the store
    ///   keeps the new state in memory and the next ``commit(_:)`` rewrites them.
    public func replace(with state: FactsState, sequence: UInt64) throws(FactsStoreError) {
        self.state = state
        lastSequence = sequence
        guard configuration.directory != nil else { return }
        do {
            try rewrite()
            writeProblem = nil
        } catch {
            closeJournal()
            files.removeLeftovers()
            writeProblem = "\(error)"
            throw error
        }
    }

    /// The journal's size in bytes (0 in memory).
    public var journalBytes: Int { pending?.appendableJournalSize ?? journalSize }

    private static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(truncatingIfNeeded: spec.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: spec.tv_nsec)
    }

    /// When the journal has grown past the threshold and no compaction is running: rotates
    /// the journal (`facts.journal` becomes `facts.journal.compacting`, a new empty journal
    /// continuing from it takes its place) and returns the job that writes the snapshot. Run
    /// the job on any thread; commits may continue meanwhile.
    /// - Throws: when the new journal cannot be created or put in place; nothing changes then
    ///   and the rotation is tried again after a later write.
    public func startCompaction() throws(FactsStoreError) -> FactsCompaction? {
        guard configuration.directory != nil, journal >= 0, journalSize >= configuration.compactionThresholdBytes,
            !POSIXFile.exists(files.compacting), files.snapshots.beginCompaction()
        else { return nil }
        do throws(FactsStoreError) {
            let fresh = try files.createJournal(baseSequence: lastSequence)
            do {
                try POSIXFile.renameFile(files.journal, files.compacting)
            } catch {
                _ = close(fresh)
                try? POSIXFile.remove(files.nextJournal)
                throw error
            }
            do {
                try POSIXFile.renameFile(files.nextJournal, files.journal)
            } catch {
                // Put the old journal back; if even that fails, the next write rewrites.
                _ = close(fresh)
                if (try? POSIXFile.renameFile(files.compacting, files.journal)) == nil { closeJournal() }
                throw error
            }
            closeJournal()
            journal = fresh
            journalSize = JournalFormat.fileHeaderSize
            try POSIXFile.syncDirectory(directory)
        } catch {
            files.snapshots.endCompaction()
            throw error
        }
        return FactsCompaction(state: state, sequence: lastSequence, files: files)
    }
}

/// Writes one snapshot of the facts and removes the journal it replaces.
public struct FactsCompaction: Sendable {
    let state: FactsState
    let sequence: UInt64
    let files: FactsFiles

    /// Writes `facts.snapshot` atomically (temporary file, fsync, rename, fsync of the
    /// directory), then deletes `facts.journal.compacting`. Skipped when a newer snapshot is
    /// already in place (the writer rewrote everything meanwhile).
    /// - Throws: ``FactsStoreError/io(_:errno:)``; nothing is lost then, the next start
    ///   replays the rotated journal and retries.
    public func run() throws(FactsStoreError) {
        try files.snapshots.finishCompaction(state: state, sequence: sequence) { () throws(FactsStoreError) in
            try POSIXFile.remove(files.compacting)
            try POSIXFile.syncDirectory(files.directory)
        }
    }
}
