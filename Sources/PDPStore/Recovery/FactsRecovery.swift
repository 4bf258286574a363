// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a data directory back into memory, proving that the files continue from one
/// another; changes nothing but a provably torn tail of `facts.journal`, which it cuts off
/// (shrinking a file needs no free space).
struct FactsRecovery {
    /// What the files hold, proven but not yet decoded into a state.
    var image = FactsImage()
    /// Set by ``read(_:cutTornTail:)``; ``scan(_:cutTornTail:)`` leaves it empty.
    var state = FactsState()
    var lastSequence: UInt64 = 0
    var replayed = 0
    var warnings: [String] = []
    /// Whether the files can be used as they are: one format 2 journal continuing from a
    /// format 2 snapshot (or from nothing), no compaction left half done.
    var isTidy = true
    /// The length of `facts.journal` when new records can be appended to it.
    var appendableJournalSize: Int?

    /// ``scan(_:cutTornTail:)``, then the state built from what it read.
    /// - Throws: the ``FactsStoreError`` cases that describe damage, and I/O errors.
    /// - Parameter cutTornTail: `false` to read without changing anything (`pdp facts check`).
    static func read(_ files: FactsFiles, cutTornTail: Bool = true) throws(FactsStoreError) -> FactsRecovery {
        var recovery = try scan(files, cutTornTail: cutTornTail)
        recovery.state = try recovery.image.materialize()
        return recovery
    }

    /// Reads every file and proves it (checksums, sequence numbers), without decoding the
    /// snapshot's facts into a state: ``image`` holds them.
    /// - Throws: the ``FactsStoreError`` cases that describe damage, and I/O errors.
    /// - Parameter cutTornTail: `false` to read without changing anything (`pdp facts check`).
    static func scan(_ files: FactsFiles, cutTornTail: Bool = true) throws(FactsStoreError) -> FactsRecovery {
        var recovery = FactsRecovery()
        recovery.image.snapshotFile = files.snapshot
        let snapshotExists = POSIXFile.exists(files.snapshot)
        if snapshotExists {
            let bytes = try POSIXFile.readAll(files.snapshot)
            let (sequence, contents) = try SnapshotFormat.open(bytes, file: files.snapshot)
            recovery.image.snapshot = contents
            recovery.lastSequence = sequence
            if !bytes.starts(with: SnapshotFormat.magic) { recovery.isTidy = false }
        }
        let journalExists = POSIXFile.exists(files.journal)
        let compactingExists = POSIXFile.exists(files.compacting)
        if snapshotExists && !journalExists && !compactingExists { throw .missingJournal(directory: files.directory) }
        if compactingExists { recovery.isTidy = false }

        for path in [files.compacting, files.journal] where POSIXFile.exists(path) {
            let scan = JournalFormat.scan(try POSIXFile.readAll(path), file: path)
            if let damage = scan.damage { throw .corruptRecord(file: path, offset: damage.offset, reason: damage.reason) }
            if let base = scan.baseSequence, base > recovery.lastSequence {
                throw .sequenceGap(
                    file: path, journalContinuesFrom: base, snapshotHolds: recovery.lastSequence,
                    snapshotExists: snapshotExists)
            }
            for transaction in scan.transactions where transaction.sequence > recovery.lastSequence {
                recovery.image.transactions.append(transaction.mutations)
                recovery.lastSequence = transaction.sequence
                recovery.replayed += 1
            }
            if scan.version != Int(JournalFormat.version) || scan.baseSequence == nil {
                recovery.isTidy = false
            }
            if let torn = scan.tornTail {
                recovery.warnings.append("\(path): dropped an unfinished final write (\(torn)); it was never acknowledged")
            }
            guard path == files.journal, scan.version == Int(JournalFormat.version), scan.baseSequence != nil,
                scan.lastSequence == recovery.lastSequence
            else { continue }
            if scan.tornTail != nil {
                guard cutTornTail, recovery.cutTornTail(files.journal, at: scan.validLength) else { continue }
            }
            recovery.appendableJournalSize = scan.validLength
        }
        if recovery.appendableJournalSize == nil { recovery.isTidy = false }
        recovery.image.lastSequence = recovery.lastSequence
        return recovery
    }

    /// Shrinks `path` to `length`; on failure leaves it for the rewrite to replace.
    private func cutTornTail(_ path: String, at length: Int) -> Bool {
        guard let fd = try? POSIXFile.openFile(path, O_RDWR) else { return false }
        defer { _ = close(fd) }
        return ftruncate(fd, off_t(length)) == 0 && fsync(fd) == 0
    }
}
