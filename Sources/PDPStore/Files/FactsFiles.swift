// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of one data directory and the operations on them that more than one part of
/// the store needs.
struct FactsFiles: Sendable {
    let directory: String
    /// Writes `facts.snapshot`, one at a time, never replacing a newer one with an older one.
    let snapshots: SnapshotSlot

    init(directory: String) {
        self.directory = directory
        snapshots = SnapshotSlot(path: directory + "/facts.snapshot", directory: directory)
    }

    var snapshot: String { directory + "/facts.snapshot" }
    var journal: String { directory + "/facts.journal" }
    /// The journal being folded into a snapshot by a compaction.
    var compacting: String { directory + "/facts.journal.compacting" }
    /// A new journal, complete with its header, before it is renamed to `facts.journal`.
    var nextJournal: String { directory + "/facts.journal.next" }
    var snapshotTemporary: String { snapshot + ".tmp" }
    var lockFile: String { directory + "/facts.lock" }

    /// Takes the directory's exclusive lock (one server per data directory).
    func lockExclusively() throws(FactsStoreError) -> Int32 {
        // On a read-only file system the lock file can still be opened for reading, and a
        // read-only descriptor can hold the lock: decisions are then served, writes refused.
        let fd: Int32
        do {
            fd = try POSIXFile.openFile(lockFile, O_RDWR | O_CREAT)
        } catch {
            guard let readOnly = try? POSIXFile.openFile(lockFile, O_RDONLY) else { throw error }
            fd = readOnly
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            _ = close(fd)
            throw .io("lock \(lockFile) (is another pdp serving this data directory?)", errno: code)
        }
        return fd
    }

    /// Files a rewrite leaves only when it did not finish: they were never renamed into
    /// place, so nothing depends on them. Removing them needs no free space.
    func removeLeftovers() {
        unlink(snapshotTemporary)
        unlink(nextJournal)
    }

    /// Creates `facts.journal.next` holding only a header that continues from
    /// `baseSequence`, synced, and returns it open for appending.
    func createJournal(baseSequence: UInt64) throws(FactsStoreError) -> Int32 {
        let fd = try POSIXFile.openFile(nextJournal, O_RDWR | O_CREAT | O_TRUNC)
        do {
            try POSIXFile.write(fd, JournalFormat.fileHeader(baseSequence: baseSequence), at: 0, nextJournal)
            try POSIXFile.sync(fd, nextJournal)
            return fd
        } catch {
            _ = close(fd)
            unlink(nextJournal)
            throw error
        }
    }
}
