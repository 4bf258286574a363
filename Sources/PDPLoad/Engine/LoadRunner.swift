// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Runs a load against a PDP and reports it.
///
/// ```swift
/// let runner = try LoadRunner(configuration: configuration, workload: workload)
/// let report = try await runner.run { print($0.line) }
/// ```
public struct LoadRunner: Sendable {
    public let configuration: LoadConfiguration
    public let workload: Workload
    private let requests: [PreparedRequest]

    /// Validates the configuration and encodes every request up front.
    public init(configuration: LoadConfiguration, workload: Workload) throws(LoadError) {
        try configuration.validate()
        if workload.checks.isEmpty { throw LoadError("The workload has no checks.") }
        if configuration.verify && !workload.isVerifiable {
            throw LoadError("--verify needs every check's expected decision (give --policy).")
        }
        self.configuration = configuration
        self.workload = workload
        self.requests = RequestEncoder.prepare(workload, configuration: configuration)
    }

    /// Runs on its own generator threads (``LoadThread``) until the duration or request budget
    /// is spent, closes every connection, and returns the report. `progress` is called about
    /// once a second.
    public func run(progress: (@Sendable (LoadProgress) -> Void)? = nil) async throws -> LoadReport {
        let threads = configuration.generatorThreads
        let tallies = (0..<threads).map { _ in LoopTally() }
        let start = RunPlan.now()
        let warmupEnd = start + Int64(configuration.warmupSeconds * 1e9)
        let stopAt = configuration.durationSeconds.map { warmupEnd + Int64($0 * 1e9) } ?? .max
        let plan = RunPlan(
            configuration: configuration, requests: requests, checks: workload.checks, start: start,
            warmupEnd: warmupEnd, stopAt: stopAt, timeoutNanoseconds: Int64(configuration.requestTimeoutSeconds * 1e9),
            address: try Self.resolve(configuration.target))

        let reporter = progress.map { callback in Task { await Self.reportProgress(start: start, tallies: tallies, to: callback) } }
        defer { reporter?.cancel() }
        let busiest = try await Self.runThreads(threads, plan: plan, tallies: tallies)
        let end = RunPlan.now()

        var total = LoadTally()
        for tally in tallies { total.merge(tally.value, sampleLimit: configuration.mismatchSamples) }
        let windowEnd = max(total.lastCompletion, min(stopAt, end))
        let seconds = Double(max(0, windowEnd - warmupEnd)) / 1e9
        return LoadReport(
            configuration: configuration, mix: workload.mix, verified: configuration.verify, tally: total, seconds: seconds,
            generatorBusiestThread: end > start ? min(1, Double(busiest) / Double(end - start)) : 0)
    }

    /// Starts `count` ``LoadThread``s at once, each on a thread of its own (connection `i` on
    /// thread `i % count`, as the open-loop schedule interleaves them), and returns the most CPU
    /// time one of them used. The threads are started from the calling thread, not from tasks: a
    /// task could wait for a free thread of the cooperative pool past the end of a short run.
    private static func runThreads(_ count: Int, plan: RunPlan, tallies: [LoopTally]) async throws -> Int64 {
        #if !os(Linux)
        throw LoadError("pdp load runs on Linux only: its generator threads use epoll.")
        #else
        try await withCheckedThrowingContinuation { continuation in
            let outcome = NIOLockedValueBox((running: count, busiest: Int64(0), failure: LoadError?.none))
            for index in 0..<count {
                let connections = Array(stride(from: index, to: plan.configuration.connections, by: count))
                let thread = Thread {
                    var cpu: Int64 = 0
                    var failure: LoadError?
                    do throws(LoadError) {
                        cpu = try LoadThread(plan: plan, connections: connections, tally: tallies[index]).run()
                    } catch {
                        failure = error
                    }
                    let last = outcome.withLockedValue { outcome -> (busiest: Int64, failure: LoadError?)? in
                        outcome.running -= 1
                        outcome.busiest = max(outcome.busiest, cpu)
                        outcome.failure = outcome.failure ?? failure
                        return outcome.running == 0 ? (outcome.busiest, outcome.failure) : nil
                    }
                    guard let last else { return }
                    if let failure = last.failure {
                        continuation.resume(throwing: failure)
                    } else {
                        continuation.resume(returning: last.busiest)
                    }
                }
                thread.start()
            }
        }
        #endif
    }

    /// Calls back once a second with the totals so far, until cancelled.
    private static func reportProgress(start: Int64, tallies: [LoopTally], to callback: @Sendable (LoadProgress) -> Void) async {
        var last = (time: start, completed: 0)
        while (try? await Task.sleep(nanoseconds: 1_000_000_000)) != nil {
            var total = LoadTally()
            for tally in tallies { total.merge(tally.value, sampleLimit: 0) }
            let now = RunPlan.now()
            let interval = Double(now - last.time) / 1e9
            callback(
                LoadProgress(
                    elapsedSeconds: Double(now - start) / 1e9, requests: total.completedIncludingWarmup,
                    currentRate: interval > 0 ? Double(total.completedIncludingWarmup - last.completed) / interval : 0,
                    p99Microseconds: total.histogram.totalCount == 0 ? 0 : total.histogram.valueAtPercentile(99),
                    errors: total.errorsIncludingWarmup))
            last = (now, total.completedIncludingWarmup)
        }
    }

    /// An IP literal as is; a name through the system resolver (once, before the run).
    static func resolve(_ target: TargetURL) throws -> SocketAddress {
        if let address = try? SocketAddress(ipAddress: target.host, port: target.port) { return address }
        do {
            return try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
        } catch {
            throw LoadError("Cannot resolve \(target.host): \(error)")
        }
    }
}
