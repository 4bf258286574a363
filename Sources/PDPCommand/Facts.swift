// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Logging
import PDPStore
import PDPStorePostgres

/// `pdp facts check | repair`: look at a data directory `pdp serve` refuses, and decide.
struct Facts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and repair a facts data directory; migrate a shared PostgreSQL facts store.",
        subcommands: [FactsCheck.self, FactsRepairCommand.self, FactsMigrate.self]
    )
}

struct FactsCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Describe a data directory without changing it, and say whether `pdp serve` would start on it.",
        discussion: "Exits 0 when it would start, 7 when it would refuse (the reason and the offsets to repair at are printed)."
    )

    @Argument(help: "The data directory (what `pdp serve --data-dir` names).")
    var directory: String

    func run() throws {
        let report = FactsStore.check(directory: directory)
        print(FactsReportText.render(report))
        if !report.isHealthy { throw Status.storageFailure }
    }
}

struct FactsMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the facts schema in PostgreSQL, without starting a server.",
        discussion: """
            `pdp serve --facts-store URL` runs the same migrations when it starts; run this first \
            when the server's database user may not change the schema. Safe to run again, and from \
            several places at once (an advisory lock orders them). Exits 0 once the schema is \
            current, 7 when PostgreSQL cannot be reached or the schema is newer than this pdp.
            """
    )

    @Option(name: .customLong("facts-store"), help: "postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: $PDP_FACTS_STORE).")
    var factsStore: String?

    func run() throws {
        guard let url = factsStore ?? ProcessInfo.processInfo.environment["PDP_FACTS_STORE"] else {
            throw ValidationError("Missing --facts-store postgres://...")
        }
        do {
            let configuration = try PostgresStoreConfiguration(url: url)
            let outcome = try PostgresMigration.run(configuration, logger: Logger(label: "pdp.facts.migrate"))
            if outcome.from == outcome.to {
                print("\(configuration.redacted): the facts schema is current (version \(outcome.to))")
            } else {
                print("\(configuration.redacted): the facts schema migrated from version \(outcome.from) to \(outcome.to)")
            }
        } catch {
            writeStandardError("pdp facts migrate: \(error.description)")
            throw Status.storageFailure
        }
    }
}

struct FactsRepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Cut a damaged journal at a record boundary, or accept a missing journal.",
        discussion: """
            Stop the server first. --to-offset N keeps the records before byte N of the journal \
            (`pdp facts check` lists the offsets) and discards the rest; the original file is kept \
            beside it as <file>.damaged-<time>. --accept-missing-journal starts a new journal from \
            the snapshot when facts.journal was deleted. Exits 0 when the directory would now \
            start, 7 otherwise.
            """
    )

    @Argument(help: "The data directory.")
    var directory: String

    @Option(name: .customLong("to-offset"), help: "Byte offset to cut the journal at (a record boundary).")
    var offset: Int?

    @Option(help: "The journal to cut: facts.journal or facts.journal.compacting.")
    var file = "facts.journal"

    @Flag(name: .customLong("accept-missing-journal"), help: "Continue from the snapshot alone when facts.journal is missing.")
    var acceptMissingJournal = false

    func validate() throws {
        if (offset == nil) == !acceptMissingJournal {
            throw ValidationError("Give exactly one of --to-offset N and --accept-missing-journal.")
        }
        if let offset, offset < 0 { throw ValidationError("--to-offset must not be negative.") }
    }

    func run() throws {
        let after: FactsDirectoryReport
        do {
            if let offset {
                let repair = try FactsStore.repair(directory: directory, fileName: file, toOffset: offset)
                print(
                    "\(repair.path): cut at byte \(offset): kept \(repair.recordsKept) records, discarded \(repair.recordsDiscarded) readable records and \(repair.bytesDiscarded) bytes"
                )
                print("the original is kept as \(repair.keptOriginalAt)")
                after = repair.after
            } else {
                after = try FactsStore.acceptMissingJournal(directory: directory)
                print("\(directory)/facts.journal: started anew from the snapshot")
            }
        } catch {
            writeStandardError("pdp facts repair: \(error.description)")
            throw Status.storageFailure
        }
        print("")
        print(FactsReportText.render(after))
        if !after.isHealthy { throw Status.storageFailure }
    }
}

/// The text `pdp facts check` and `repair` print.
enum FactsReportText {
    static func render(_ report: FactsDirectoryReport) -> String {
        var lines: [String] = []
        if let snapshot = report.snapshot {
            if let problem = snapshot.problem {
                lines.append("\(snapshot.path): DAMAGED: \(problem)")
            } else {
                lines.append("\(snapshot.path): format \(snapshot.format ?? 0), holds transactions up to \(snapshot.sequence ?? 0)")
            }
        } else {
            lines.append("\(report.directory)/facts.snapshot: absent")
        }
        for journal in report.journals {
            var line = "\(journal.path): format \(journal.format), \(journal.bytes) bytes"
            if let base = journal.baseSequence { line += ", continues from \(base)" }
            if let first = journal.firstSequence, let last = journal.lastSequence {
                line += ", \(journal.records) records (\(first)...\(last))"
            } else {
                line += ", no records"
            }
            lines.append(line)
            if let torn = journal.tornTail { lines.append("  unfinished final write, dropped at start: \(torn)") }
            if let offset = journal.damageOffset {
                lines.append("  DAMAGED at byte \(offset): \(journal.damageReason ?? "")")
                let cut = journal.boundaries.last(where: { $0 <= offset }) ?? offset
                lines.append("  `pdp facts repair \(report.directory) --file \(journal.path.split(separator: "/").last ?? "") --to-offset \(cut)` keeps the \(journal.records) readable records before it")
            }
        }
        if let refusal = report.refusal {
            lines.append("")
            lines.append("pdp serve would refuse to start: \(refusal.description)")
        } else {
            lines.append("")
            lines.append(
                "ok: pdp serve would start with \(report.users) users, \(report.tenants) tenants, \(report.assignments) role assignments (transaction \(report.lastSequence))"
            )
            for warning in report.warnings { lines.append("note: \(warning)") }
        }
        return lines.joined(separator: "\n")
    }
}
