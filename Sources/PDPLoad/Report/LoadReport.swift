// SPDX-License-Identifier: Apache-2.0
import Foundation
import Histogram

/// The outcome of a load run: throughput, latency percentiles, errors and verification.
/// `Codable`; `pdp load --json` prints it.
public struct LoadReport: Sendable, Codable, Equatable {
    /// Latency percentiles of the answered (200) requests, in microseconds.
    public struct Latency: Sendable, Codable, Equatable {
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64
        public var mean: Double
    }

    /// One point of the latency-by-percentile curve.
    public struct PercentilePoint: Sendable, Codable, Equatable {
        public var percentile: Double
        public var microseconds: UInt64
    }

    public var target: String
    public var endpoint: String
    /// `closed` (next request when the answer arrives) or `open` (constant rate).
    public var mode: String
    public var connections: Int
    /// Requests per second asked for (open loop).
    public var rate: Double?
    public var newConnectionPerRequest: Bool
    /// Generator threads that ran: `--threads`, or fewer when there are fewer connections.
    public var threads: Int
    public var batchSize: Int
    /// Every answer was compared with the in-process decision.
    public var verified: Bool
    /// The measured window (warm-up excluded).
    public var durationSeconds: Double
    /// Measured requests answered with 200.
    public var requests: Int
    /// Checks in those requests (`requests × batchSize`).
    public var decisions: Int
    public var requestsPerSecond: Double
    public var decisionsPerSecond: Double
    public var latencyMicroseconds: Latency
    /// Failed connects, connections lost before the answer, unreadable HTTP.
    public var connectionErrors: Int
    /// Why requests failed (connections and timeouts), by reason.
    public var errorReasons: [String: Int]
    /// Requests without an answer within the timeout.
    public var timeouts: Int
    /// Answers whose status was not 200.
    public var non200: Int
    /// Those answers by status.
    public var statusCounts: [String: Int]
    /// Checks whose answer differed from the in-process decision (verified runs).
    public var mismatches: Int
    public var mismatchSamples: [MismatchSample]
    /// Decisions seen in answers (verified runs).
    public var allowedAnswers: Int
    public var deniedAnswers: Int
    /// The expected mix of the workload.
    public var workloadMix: WorkloadMix
    public var percentileCurve: [PercentilePoint]
    /// The share of the run (0 to 1) the busiest generator thread spent on the CPU. Near 1, the
    /// generator was the bottleneck: answers waited for it to read them, and the latency it
    /// reports includes that queueing.
    public var generatorBusiestThread: Double

    /// A busiest-thread share from which the generator's own queueing shows in the latency.
    public static let saturatedGenerator = 0.9

    /// Connection errors and timeouts.
    public var errors: Int { connectionErrors + timeouts }

    /// No mismatch, error or non-200 answer, and at least one answer.
    public var passed: Bool { mismatches == 0 && errors == 0 && non200 == 0 && requests > 0 }

    init(
        configuration: LoadConfiguration, mix: WorkloadMix, verified: Bool, tally: LoadTally, seconds: Double,
        generatorBusiestThread: Double
    ) {
        self.generatorBusiestThread = generatorBusiestThread
        let histogram = tally.histogram
        target = configuration.target.description
        endpoint = configuration.endpoint.rawValue
        mode = configuration.isOpenLoop ? "open" : "closed"
        connections = configuration.connections
        rate = configuration.rate
        newConnectionPerRequest = configuration.newConnectionPerRequest
        threads = configuration.generatorThreads
        batchSize = configuration.endpoint == .bulk ? configuration.batchSize : 1
        self.verified = verified
        durationSeconds = seconds
        requests = tally.requests
        decisions = tally.decisions
        requestsPerSecond = seconds > 0 ? Double(tally.requests) / seconds : 0
        decisionsPerSecond = seconds > 0 ? Double(tally.decisions) / seconds : 0
        let empty = histogram.totalCount == 0
        latencyMicroseconds = Latency(
            p50: empty ? 0 : histogram.valueAtPercentile(50), p90: empty ? 0 : histogram.valueAtPercentile(90),
            p99: empty ? 0 : histogram.valueAtPercentile(99), p999: empty ? 0 : histogram.valueAtPercentile(99.9),
            max: empty ? 0 : histogram.max, mean: empty ? 0 : histogram.mean)
        connectionErrors = tally.connectionErrors
        errorReasons = tally.errorReasons
        timeouts = tally.timeouts
        non200 = tally.non200
        statusCounts = Dictionary(uniqueKeysWithValues: tally.statusCounts.map { (String($0.key), $0.value) })
        mismatches = tally.mismatches
        mismatchSamples = tally.mismatchSamples
        allowedAnswers = tally.allowedAnswers
        deniedAnswers = tally.deniedAnswers
        workloadMix = mix
        let levels: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 93, 95, 97, 98, 99, 99.5, 99.7, 99.9, 99.95, 99.99, 99.999, 100]
        percentileCurve = empty ? [] : levels.map { PercentilePoint(percentile: $0, microseconds: $0 == 100 ? histogram.max : histogram.valueAtPercentile($0)) }
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
