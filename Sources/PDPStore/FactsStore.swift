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
/// Recovery on ``init(configuration:)``: the snapshot is loaded, then the journals are
/// replayed (records already in the snapshot are skipped by sequence number). A damaged
/// final record (a torn write) is dropped, the file truncated to the last good record, and
/// the fact reported in ``recoveryWarnings``. A damaged record before the last one makes
/// the initializer throw, naming the file and byte offset. After a replay the state is
/// consolidated into a fresh snapshot and an empty journal.
public final class FactsStore {
    public private(set) var state = FactsState()
    /// The sequence number of the last committed transaction (0 when none).
    public private(set) var lastSequence: UInt64 = 0
    /// What recovery dropped or repaired, one sentence each, for the log.
    public private(set) var recoveryWarnings: [String] = []
    /// Transactions replayed from the journal at startup.
    public private(set) var replayedTransactions = 0
    public let configuration: FactsStoreConfiguration

    private var journal: Int32 = -1
    private var journalSize = 0
    private var lock: Int32 = -1
    private var failure: String?

    private var directory: String { configuration.directory ?? "." }
    var snapshotPath: String { directory + "/facts.snapshot" }
    var journalPath: String { directory + "/facts.journal" }
    var compactingPath: String { directory + "/facts.journal.compacting" }

    /// Opens (or creates) the store and recovers its state.
    /// - Throws: ``FactsStoreError/corruptRecord(file:offset:reason:)`` for damage before the
    ///   last record, ``FactsStoreError/corruptSnapshot(file:reason:)``, and
    ///   ``FactsStoreError/io(_:errno:)`` when the directory cannot be created, locked (another
    ///   process uses it), read or written.
    public init(configuration: FactsStoreConfiguration) throws(FactsStoreError) {
        self.configuration = configuration
        guard configuration.directory != nil else { return }
        try POSIXFile.makeDirectory(directory)
        lock = try POSIXFile.openFile(directory + "/facts.lock", O_RDWR | O_CREAT)
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            _ = close(lock)
            lock = -1
            throw .io("lock \(directory)/facts.lock (is another pdp serving this data directory?)", errno: code)
        }
        do {
            try recover()
        } catch {
            closeFiles()
            throw error
        }
    }

    /// A store that keeps facts in memory only (nothing survives a restart).
    public init() {
        configuration = FactsStoreConfiguration()
    }

    deinit { closeFiles() }

    private func closeFiles() {
        if journal >= 0 { _ = close(journal) }
        if lock >= 0 { _ = close(lock) }
        journal = -1
        lock = -1
    }

    private func recover() throws(FactsStoreError) {
        if POSIXFile.exists(snapshotPath) {
            (lastSequence, state) = try SnapshotFormat.decode(try POSIXFile.readAll(snapshotPath), file: snapshotPath)
        }
        let hadCompacting = POSIXFile.exists(compactingPath)
        for path in [compactingPath, journalPath] where POSIXFile.exists(path) {
            let scan = try JournalFormat.scan(try POSIXFile.readAll(path), file: path)
            if let torn = scan.tornTail {
                recoveryWarnings.append("\(path): dropped a torn final record: \(torn); truncated to \(scan.validLength) bytes")
                let fd = try POSIXFile.openFile(path, O_RDWR)
                defer { _ = close(fd) }
                try POSIXFile.truncate(fd, to: scan.validLength, path)
                try POSIXFile.sync(fd, path)
            }
            for transaction in scan.transactions where transaction.sequence > lastSequence {
                state.apply(transaction.mutations)
                lastSequence = transaction.sequence
                replayedTransactions += 1
            }
        }
        if replayedTransactions > 0 || hadCompacting {
            try POSIXFile.replaceAtomically(snapshotPath, with: SnapshotFormat.encode(state, sequence: lastSequence), directory: directory)
            try POSIXFile.remove(compactingPath)
            journal = try POSIXFile.openFile(journalPath, O_RDWR | O_CREAT | O_TRUNC)
            try POSIXFile.sync(journal, journalPath)
        } else {
            journal = try POSIXFile.openFile(journalPath, O_RDWR | O_CREAT)
        }
        try POSIXFile.syncDirectory(directory)
        journalSize = try POSIXFile.size(journal, journalPath)
    }

    /// Appends `transactions` (each one request's mutations, all or nothing) in one write
    /// and one fsync, then applies them to ``state``. In memory, only applies them.
    /// - Throws: ``FactsStoreError/io(_:errno:)`` when writing or syncing fails; the journal
    ///   is then truncated back and nothing is applied. If even that fails, this and every
    ///   later call throw ``FactsStoreError/unusable(_:)``.
    public func commit(_ transactions: [[FactsMutation]]) throws(FactsStoreError) {
        if let failure { throw .unusable(failure) }
        var sequence = lastSequence
        if configuration.directory != nil {
            var bytes: [UInt8] = []
            for mutations in transactions {
                sequence += 1
                bytes += JournalFormat.frame(FactsCodec.encodeTransaction(sequence: sequence, mutations))
            }
            do {
                try POSIXFile.write(journal, bytes, at: journalSize, journalPath)
                try POSIXFile.sync(journal, journalPath)
            } catch {
                do {
                    try POSIXFile.truncate(journal, to: journalSize, journalPath)
                    try POSIXFile.sync(journal, journalPath)
                } catch let rollback {
                    failure = "\(error); then \(rollback)"
                }
                throw error
            }
            journalSize += bytes.count
        } else {
            sequence += UInt64(transactions.count)
        }
        lastSequence = sequence
        for mutations in transactions { state.apply(mutations) }
    }

    /// The journal's size in bytes (0 in memory).
    public var journalBytes: Int { journalSize }

    /// When the journal has grown past the threshold and no compaction is running: rotates
    /// the journal (`facts.journal` becomes `facts.journal.compacting`, a new empty journal
    /// takes its place) and returns the job that writes the snapshot. Run the job on any
    /// thread; commits may continue meanwhile.
    /// - Throws: when the rotation fails half-way (the store then refuses writes).
    public func startCompaction() throws(FactsStoreError) -> FactsCompaction? {
        guard configuration.directory != nil, journalSize >= configuration.compactionThresholdBytes,
            !POSIXFile.exists(compactingPath), failure == nil
        else { return nil }
        try POSIXFile.renameFile(journalPath, compactingPath)
        do {
            let fresh = try POSIXFile.openFile(journalPath, O_RDWR | O_CREAT | O_TRUNC)
            _ = close(journal)
            journal = fresh
            journalSize = 0
            try POSIXFile.syncDirectory(directory)
        } catch {
            failure = "journal rotation failed: \(error)"
            throw error
        }
        return FactsCompaction(
            state: state, sequence: lastSequence, directory: directory, snapshotPath: snapshotPath, compactingPath: compactingPath)
    }
}

/// Writes one snapshot of the facts and removes the journal it replaces.
public struct FactsCompaction: Sendable {
    let state: FactsState
    let sequence: UInt64
    let directory: String
    let snapshotPath: String
    let compactingPath: String

    /// Writes `facts.snapshot` atomically (temporary file, fsync, rename, fsync of the
    /// directory), then deletes `facts.journal.compacting`.
    /// - Throws: ``FactsStoreError/io(_:errno:)``; nothing is lost then, the next start
    ///   replays the rotated journal and retries.
    public func run() throws(FactsStoreError) {
        try POSIXFile.replaceAtomically(snapshotPath, with: SnapshotFormat.encode(state, sequence: sequence), directory: directory)
        try POSIXFile.remove(compactingPath)
        try POSIXFile.syncDirectory(directory)
    }
}
