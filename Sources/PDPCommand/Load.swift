// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import PDPCore
import PDPLoad

struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test a Permit-compatible PDP and report throughput and latency.",
        discussion: """
            The checks are generated from --policy (seeded, over the policy's users, tenants, \
            resource types and actions) or replayed from --replay FILE (one /allowed body per \
            line). Closed loop with --connections, or open loop with --rate (latency measured from \
            the intended send time). Only loopback URLs are accepted unless --allow-remote. \
            Exit status: 0 when every answer was a 200 (and matched, with --verify); 5 when \
            any answer differed from the in-process decision; 6 when there were connection \
            errors, timeouts or non-200 answers (and no mismatch); 3 invalid policy; 64 usage.
            """
    )

    @Option(help: "The PDP's base URL.")
    var url = "http://127.0.0.1:7766"

    @Option(name: .long, help: "Policy file or directory (repeatable): generates the workload and the expected decisions.")
    var policy: [String] = []

    @Option(help: "A JSON-lines file of /allowed bodies to send instead of generated checks.")
    var replay: String?

    @Option(help: "Concurrent connections (closed loop), or connections the --rate is spread over.")
    var connections = 16

    @Option(help: "Open loop: requests per second in total, on a constant schedule.")
    var rate: Double?

    @Flag(name: .customLong("new-connection"), help: "A new TCP connection per request (as Permit's Python SDK does).")
    var newConnection = false

    @Option(help: "Send to /allowed/bulk with this many checks per request.")
    var batch: Int?

    @Option(help: """
        Generator threads (default: one per core). When the server under test shares the \
        machine, --threads 1 keeps the generator's own scheduling delay out of open-loop \
        latencies (on 2 cores it about halved the measured p99).
        """)
    var threads: Int?

    @Option(help: "Measured seconds (default 10 unless --requests is given).")
    var duration: Double?

    @Option(help: "Measured requests to send, then stop.")
    var requests: Int?

    @Option(help: "Seconds of load before measuring.")
    var warmup: Double = 0

    @Option(help: "Seconds before an unanswered request counts as a timeout.")
    var timeout: Double = 5

    @Flag(help: "Compare every answer with the decision computed in-process from --policy (and the served facts).")
    var verify = false

    @Flag(
        inversion: .prefixedNo,
        help: """
            Read the role assignments the PDP serves (GET /local/role_assignments) before the run, and generate \
            and verify checks with them as well as with --policy: users written through the facts API are then \
            part of the workload. The facts must not change during the run.
            """)
    var servedFacts = true

    @Option(name: .customLong("api-key"), help: "Bearer token (default: $PDP_API_KEY).")
    var apiKey: String?

    @Flag(name: .customLong("allow-remote"), help: "Allow a URL whose host is not a loopback address.")
    var allowRemote = false

    @Option(help: "Seed of the generated workload.")
    var seed: UInt64 = 1

    @Option(help: "Distinct checks generated.")
    var checks = 10_000

    @Option(name: .customLong("unknown-users"), help: "Fraction of generated checks for unknown users.")
    var unknownUsers = 0.05

    @Flag(help: "Print a progress line every second even when stderr is not a terminal.")
    var progress = false

    @Flag(help: "Print the summary as JSON on stdout (the table goes to stderr).")
    var json = false

    @Option(help: "Write a self-contained HTML report to this file.")
    var html: String?

    func validate() throws {
        if policy.isEmpty && replay == nil { throw ValidationError("Give --policy PATH or --replay FILE.") }
        if verify && policy.isEmpty { throw ValidationError("--verify needs --policy.") }
        if checks < 1 { throw ValidationError("--checks must be at least 1.") }
        if !(0...1).contains(unknownUsers) { throw ValidationError("--unknown-users must be between 0 and 1.") }
    }

    func run() async throws {
        var configuration = LoadConfiguration(target: try parse { () throws(LoadError) in try TargetURL(parsing: url) })
        configuration.connections = connections
        configuration.rate = rate
        configuration.newConnectionPerRequest = newConnection
        if let batch {
            configuration.endpoint = .bulk
            configuration.batchSize = batch
        }
        if let threads { configuration.threads = threads }
        configuration.durationSeconds = duration ?? (requests == nil ? 10 : nil)
        configuration.maxRequests = requests
        configuration.warmupSeconds = warmup
        configuration.requestTimeoutSeconds = timeout
        configuration.verify = verify
        configuration.apiKey = apiKey ?? ProcessInfo.processInfo.environment["PDP_API_KEY"]
        configuration.allowRemote = allowRemote

        // Before anything is sent (the served facts are read first): a remote URL needs --allow-remote.
        try parse { () throws(LoadError) in try configuration.validate() }
        let workload = try await loadWorkload(apiKey: configuration.apiKey, target: configuration.target)
        let mix = workload.mix
        if replay == nil && mix.allowed == 0 && mix.denied > 0 {
            writeStandardError(
                "warning: every generated check is a deny: neither the policy files nor the served facts hold a user with a role, so this measures only denies. "
                    + "Add --policy files that declare users, or write users and role assignments through the facts API first.")
        }
        let runner = try parse { () throws(LoadError) in try LoadRunner(configuration: configuration, workload: workload) }
        let showProgress = progress || isatty(STDERR_FILENO) != 0
        var onProgress: (@Sendable (LoadProgress) -> Void)?
        if showProgress {
            onProgress = { (update: LoadProgress) in writeStandardError(update.line) }
        }
        let report = try await runner.run(progress: onProgress)

        if json {
            writeStandardError(report.table())
            print(report.json())
        } else {
            print(report.table())
        }
        if let path = html {
            let page: String = report.html()
            try page.write(toFile: path, atomically: true, encoding: .utf8)
        }
        if report.mismatches > 0 { throw Status.mismatches }
        if !report.passed { throw Status.loadErrors }
    }

    private func loadWorkload(apiKey: String?, target: TargetURL) async throws -> Workload {
        var snapshot: PolicySnapshot?
        if !policy.isEmpty {
            guard let compiled = PolicyInput.compile(policy, quiet: true) else { throw Status.invalidPolicy }
            snapshot = compiled
        }
        var served: ServedFacts?
        if let base = snapshot, servedFacts {
            do {
                let facts = try await ServedFacts.fetch(from: target, apiKey: apiKey)
                snapshot = facts.applied(to: base)
                served = facts
                writeStandardError("served facts: \(facts.assignments.count) role assignments of \(facts.users.count) users read from \(target)")
            } catch let error as LoadError {
                writeStandardError("warning: could not read the served facts (\(error.message)); using --policy alone (--no-served-facts skips this)")
            }
        }
        if let replay {
            let text = try String(contentsOfFile: replay, encoding: .utf8)
            var workload = try parse { () throws(LoadError) in try ReplayWorkload.parse(text, source: replay) }
            if let snapshot { workload = try parse { () throws(LoadError) in try workload.expecting(snapshot) } }
            return workload
        }
        guard let snapshot else { throw ValidationError("Give --policy PATH or --replay FILE.") }
        var options = WorkloadGenerator.Options()
        options.seed = seed
        options.count = checks
        options.unknownUserFraction = unknownUsers
        options.extraUsers = served?.users ?? []
        return WorkloadGenerator.generate(from: snapshot, options: options)
    }

    private func parse<T>(_ body: () throws(LoadError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw UsageFailure.exit(error.message, command: Self.self)
        }
    }
}

/// Writes a line to standard error, unbuffered.
func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
