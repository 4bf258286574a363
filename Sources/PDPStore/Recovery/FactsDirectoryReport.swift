// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A data directory as `pdp facts check` describes it: every file, what of it is readable,
/// and whether `pdp serve` would start on it. Built without changing anything.
public struct FactsDirectoryReport: Sendable {
    public struct Snapshot: Sendable {
        public var path: String
        /// 1 or 2; `nil` when the file could not be read.
        public var format: Int?
        /// The last transaction it holds.
        public var sequence: UInt64?
        /// Why it cannot be used, if it cannot.
        public var problem: String?
    }

    public struct Journal: Sendable {
        public var path: String
        public var bytes: Int
        public var format: Int
        /// The transaction it continues from (`nil` when its header never reached the disk).
        public var baseSequence: UInt64?
        public var records: Int
        public var firstSequence: UInt64?
        public var lastSequence: UInt64?
        /// Where the readable part ends.
        public var validLength: Int
        /// Offsets where the file may be cut (`pdp facts repair --to-offset`).
        public var boundaries: [Int]
        public var tornTail: String?
        public var damageOffset: Int?
        public var damageReason: String?
    }

    public var directory: String
    public var snapshot: Snapshot?
    public var journals: [Journal] = []
    /// Why `pdp serve` would refuse this directory, or `nil` when it would start.
    public var refusal: FactsStoreError?
    /// The facts a start would recover (when it would start).
    public var users = 0
    public var tenants = 0
    public var assignments = 0
    public var lastSequence: UInt64 = 0
    /// Warnings a start would log (unfinished final writes it would drop).
    public var warnings: [String] = []

    /// Whether `pdp serve` would start on the directory as it is.
    public var isHealthy: Bool { refusal == nil }
}

extension FactsStore {
    /// Describes the data directory at `directory` without changing it (works while a
    /// server runs, though its latest write may then show as an unfinished tail).
    public static func check(directory: String) -> FactsDirectoryReport {
        let files = FactsFiles(directory: directory)
        var report = FactsDirectoryReport(directory: directory)
        if POSIXFile.exists(files.snapshot) {
            var snapshot = FactsDirectoryReport.Snapshot(path: files.snapshot)
            do {
                let bytes = try POSIXFile.readAll(files.snapshot)
                snapshot.format = bytes.starts(with: SnapshotFormat.legacyMagic) ? 1 : 2
                snapshot.sequence = try SnapshotFormat.decode(bytes, file: files.snapshot).sequence
            } catch {
                snapshot.problem = error.description
            }
            report.snapshot = snapshot
        }
        for path in [files.compacting, files.journal] where POSIXFile.exists(path) {
            guard let bytes = try? POSIXFile.readAll(path) else { continue }
            let scan = JournalFormat.scan(bytes, file: path)
            report.journals.append(
                FactsDirectoryReport.Journal(
                    path: path, bytes: bytes.count, format: scan.version, baseSequence: scan.baseSequence,
                    records: scan.transactions.count, firstSequence: scan.transactions.first?.sequence,
                    lastSequence: scan.transactions.last?.sequence, validLength: scan.validLength,
                    boundaries: scan.boundaries, tornTail: scan.tornTail, damageOffset: scan.damage?.offset,
                    damageReason: scan.damage?.reason))
        }
        do {
            let recovery = try FactsRecovery.read(files, cutTornTail: false)
            report.users = recovery.state.users.count
            report.tenants = recovery.state.tenants.count
            report.assignments = recovery.state.assignments.count
            report.lastSequence = recovery.lastSequence
            report.warnings = recovery.warnings
        } catch {
            report.refusal = error
        }
        return report
    }
}
