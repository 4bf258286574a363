// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

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

    /// Runs on its own event loops until the duration or request budget is spent, closes every
    /// connection, and returns the report. `progress` is called about once a second.
    public func run(progress: (@Sendable (LoadProgress) -> Void)? = nil) async throws -> LoadReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        do {
            let report = try await run(on: group, progress: progress)
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(on group: MultiThreadedEventLoopGroup, progress: (@Sendable (LoadProgress) -> Void)?) async throws -> LoadReport {
        let loops = Array(group.makeIterator())
        let tallies = loops.map { _ in LoopTally() }
        // Each generator thread's CPU time over the run: a thread near 100% adds its own
        // queueing to the latency it reports. Read before the run's clock starts: a slow hop
        // to the loops (a busy machine) must not eat into the run.
        let cpuAtStart = try await Self.threadCPUNanoseconds(of: loops)
        let start = RunPlan.now()
        let warmupEnd = start + Int64(configuration.warmupSeconds * 1e9)
        let stopAt = configuration.durationSeconds.map { warmupEnd + Int64($0 * 1e9) } ?? .max
        let plan = RunPlan(
            configuration: configuration, requests: requests, checks: workload.checks, start: start,
            warmupEnd: warmupEnd, stopAt: stopAt, timeoutNanoseconds: Int64(configuration.requestTimeoutSeconds * 1e9),
            address: try Self.resolve(configuration.target))

        let reporter = progress.map { ProgressReporter(start: start, tallies: tallies, on: loops[0], callback: $0) }
        var finished: [EventLoopFuture<Void>] = []
        for index in 0..<configuration.connections {
            let slot = index % loops.count
            let loop = loops[slot]
            let tally = tallies[slot]
            finished.append(
                loop.flatSubmit {
                    let worker = LoadWorker(index: index, plan: plan, loop: loop, tally: tally)
                    worker.start()
                    return worker.finishedFuture
                })
        }
        try await EventLoopFuture.andAllComplete(finished, on: loops[0]).get()
        reporter?.stop()
        let end = RunPlan.now()
        let cpuAtEnd = try await Self.threadCPUNanoseconds(of: loops)
        let busiest = zip(cpuAtStart, cpuAtEnd).map { Double($1 - $0) }.max() ?? 0

        var total = LoadTally()
        for tally in tallies { total.merge(tally.value, sampleLimit: configuration.mismatchSamples) }
        let windowEnd = max(total.lastCompletion, min(stopAt, end))
        let seconds = Double(max(0, windowEnd - warmupEnd)) / 1e9
        return LoadReport(
            configuration: configuration, mix: workload.mix, verified: configuration.verify, tally: total, seconds: seconds,
            generatorBusiestThread: end > start ? min(1, busiest / Double(end - start)) : 0)
    }

    /// The CPU time each loop's thread has used so far, read on the thread itself.
    private static func threadCPUNanoseconds(of loops: [any EventLoop]) async throws -> [Int64] {
        var times: [Int64] = []
        for loop in loops {
            times.append(
                try await loop.submit {
                    var time = timespec()
                    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
                    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
                }.get())
        }
        return times
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

/// Calls back once a second with the totals so far.
private final class ProgressReporter: Sendable {
    private let task: RepeatedTask

    init(start: Int64, tallies: [LoopTally], on loop: any EventLoop, callback: @escaping @Sendable (LoadProgress) -> Void) {
        let previous = NIOLockedValueBox((time: start, completed: 0))
        task = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            var total = LoadTally()
            for tally in tallies { total.merge(tally.value, sampleLimit: 0) }
            let now = RunPlan.now()
            let last = previous.withLockedValue { value in
                defer { value = (now, total.completedIncludingWarmup) }
                return value
            }
            let interval = Double(now - last.time) / 1e9
            callback(
                LoadProgress(
                    elapsedSeconds: Double(now - start) / 1e9, requests: total.completedIncludingWarmup,
                    currentRate: interval > 0 ? Double(total.completedIncludingWarmup - last.completed) / interval : 0,
                    p99Microseconds: total.histogram.totalCount == 0 ? 0 : total.histogram.valueAtPercentile(99),
                    errors: total.errorsIncludingWarmup))
        }
    }

    func stop() { task.cancel() }
}
