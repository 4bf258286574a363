// SPDX-License-Identifier: Apache-2.0

/// Why the facts store cannot open or write.
public enum FactsStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A system call failed (`errno` and what was being done).
    case io(String, errno: Int32)
    /// A journal holds damage that is not an unfinished final append: refusing to start
    /// rather than silently losing the record and everything after it. The file is left as
    /// it was.
    case corruptRecord(file: String, offset: Int, reason: String)
    /// The snapshot file is damaged.
    case corruptSnapshot(file: String, reason: String)
    /// The journal continues from a later transaction than the snapshot holds: the snapshot
    /// was deleted or replaced by an older one, and the facts between are missing.
    case sequenceGap(file: String, journalContinuesFrom: UInt64, snapshotHolds: UInt64, snapshotExists: Bool)
    /// A snapshot is there but no journal: the journal was deleted, and with it every write
    /// since the snapshot.
    case missingJournal(directory: String)
    /// The shared store (PostgreSQL) could not be reached, or did not commit: what happened.
    /// Nothing was written; the same write can be tried again.
    case shared(String)

    public var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code))) (errno \(code))"
        case .corruptRecord(let file, let offset, let reason):
            """
            \(file): damaged journal record at byte offset \(offset): \(reason). Refusing to start so that \
            nothing after it is lost; the file is untouched. `pdp facts check DIR` lists what is readable; \
            `pdp facts repair DIR --to-offset \(offset)` keeps the records before the damage (the original \
            is kept beside it).
            """
        case .corruptSnapshot(let file, let reason):
            "\(file): snapshot is damaged (\(reason)); refusing to start. Restore it from a backup, or move the data directory aside to start empty."
        case .sequenceGap(let file, let from, let holds, let exists):
            """
            \(file) continues from transaction \(from), but \(exists ? "the snapshot holds only up to \(holds)" : "there is no facts.snapshot") \
            (\(exists ? "an older snapshot was put in place" : "it was deleted")): the facts in between are missing. \
            Refusing to start; restore the snapshot from a backup (its sequence must be at least \(from)), or move the \
            data directory aside to start empty.
            """
        case .missingJournal(let directory):
            """
            \(directory)/facts.journal is missing but facts.snapshot is there: every write since the snapshot \
            would be lost. Refusing to start; restore the journal from a backup, or run `pdp facts repair \(directory) \
            --accept-missing-journal` to continue from the snapshot alone.
            """
        case .shared(let what): what
        }
    }

    /// Whether the data directory itself is unusable (damage or a missing file), as opposed
    /// to a system call failing.
    public var isDamage: Bool {
        switch self {
        case .io, .shared: false
        default: true
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
