// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `pdp facts repair` did.
public struct FactsRepair: Sendable {
    /// The repaired file, and where its original was kept.
    public var path: String
    public var keptOriginalAt: String
    /// Records before the cut (kept) and readable records after it (discarded).
    public var recordsKept: Int
    public var recordsDiscarded: Int
    public var bytesDiscarded: Int
    /// The directory as a start would now find it.
    public var after: FactsDirectoryReport
}

/// Why a repair was refused; nothing was changed.
public struct FactsRepairError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension FactsStore {
    /// Cuts the journal `fileName` (in `directory`) at `offset`, which must be where a record
    /// starts (or where the readable part ends), discarding everything after it. The original
    /// is kept beside it as `<fileName>.damaged-<seconds since 1970>` and the cut copy is
    /// written to a new file that replaces it atomically.
    ///
    /// Takes the directory's lock: refused while a server uses the directory.
    /// - Throws: ``FactsRepairError`` when the offset is not a record boundary, the file is
    ///   missing, or a file operation fails.
    public static func repair(directory: String, fileName: String = "facts.journal", toOffset offset: Int) throws(FactsRepairError) -> FactsRepair {
        let files = FactsFiles(directory: directory)
        let lock = try locked(files)
        defer { _ = close(lock) }
        guard [files.journal, files.compacting].contains(files.directory + "/" + fileName) else {
            throw FactsRepairError(description: "only facts.journal and facts.journal.compacting can be repaired")
        }
        let path = files.directory + "/" + fileName
        let bytes: [UInt8]
        do {
            bytes = try POSIXFile.readAll(path)
        } catch {
            throw FactsRepairError(description: error.description)
        }
        let scan = JournalFormat.scan(bytes, file: path)
        guard scan.boundaries.contains(offset) else {
            let listed = scan.boundaries.suffix(8).map(String.init).joined(separator: ", ")
            throw FactsRepairError(
                description: "\(path): \(offset) is not where a record starts; the file may be cut at one of: \(listed)\(scan.boundaries.count > 8 ? " (the last 8 of \(scan.boundaries.count))" : "")")
        }
        let original = "\(path).damaged-\(time(nil))"
        let temporary = path + ".repair"
        do throws(FactsStoreError) {
            guard link(path, original) == 0 else { throw .io("keep the original as \(original)", errno: errno) }
            let fd = try POSIXFile.openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)
            defer { _ = close(fd) }
            try POSIXFile.write(fd, Array(bytes[..<offset]), at: 0, temporary)
            try POSIXFile.sync(fd, temporary)
            try POSIXFile.renameFile(temporary, path)
            try POSIXFile.syncDirectory(files.directory)
        } catch {
            unlink(temporary)
            throw FactsRepairError(description: error.description)
        }
        let kept = scan.transactions.filter { $0.offset < offset }.count
        return FactsRepair(
            path: path, keptOriginalAt: original, recordsKept: kept, recordsDiscarded: scan.transactions.count - kept,
            bytesDiscarded: bytes.count - offset, after: check(directory: directory))
    }

    /// Puts an empty journal continuing from the snapshot in place of a missing one, so that
    /// the server starts from the snapshot alone (accepting that writes after it are lost).
    public static func acceptMissingJournal(directory: String) throws(FactsRepairError) -> FactsDirectoryReport {
        let files = FactsFiles(directory: directory)
        let lock = try locked(files)
        defer { _ = close(lock) }
        guard !POSIXFile.exists(files.journal), !POSIXFile.exists(files.compacting) else {
            throw FactsRepairError(description: "\(files.journal) is there: nothing to accept")
        }
        do throws(FactsStoreError) {
            let sequence = try SnapshotFormat.decode(try POSIXFile.readAll(files.snapshot), file: files.snapshot).sequence
            let fd = try files.createJournal(baseSequence: sequence)
            _ = close(fd)
            try POSIXFile.renameFile(files.nextJournal, files.journal)
            try POSIXFile.syncDirectory(files.directory)
        } catch {
            throw FactsRepairError(description: error.description)
        }
        return check(directory: directory)
    }

    private static func locked(_ files: FactsFiles) throws(FactsRepairError) -> Int32 {
        guard POSIXFile.exists(files.directory) else { throw FactsRepairError(description: "\(files.directory) does not exist") }
        do {
            return try files.lockExclusively()
        } catch {
            throw FactsRepairError(description: "\(error); stop the server first")
        }
    }
}
