// SPDX-License-Identifier: Apache-2.0
import Histogram
import NIOConcurrencyHelpers

/// An answer that differed from the decision computed in-process.
public struct MismatchSample: Sendable, Codable, Equatable {
    /// The body of the check (one element for a bulk request).
    public var request: String
    /// `allow` or `deny`, with the in-process reason.
    public var expected: String
    /// What the PDP answered.
    public var got: String
}

/// Counts and latencies of the requests one generator thread completed.
struct LoadTally: Sendable {
    /// Latencies of 200 answers in microseconds (measured requests only).
    var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    /// Measured requests answered with 200.
    var requests = 0
    /// Checks in those requests.
    var decisions = 0
    var allowedAnswers = 0
    var deniedAnswers = 0
    /// Measured answers with another status, by status.
    var statusCounts: [Int: Int] = [:]
    /// Measured requests that failed to connect, lost their connection or got an unreadable answer.
    var connectionErrors = 0
    /// Measured requests without an answer in time.
    var timeouts = 0
    /// Why measured requests failed, by reason (at most ``LoadTally/reasonLimit`` reasons).
    var errorReasons: [String: Int] = [:]
    static let reasonLimit = 8
    var mismatches = 0
    var mismatchSamples: [MismatchSample] = []
    /// Everything completed or failed, warm-up included (for the progress line).
    var completedIncludingWarmup = 0
    var errorsIncludingWarmup = 0
    /// The latest completion of a measured request (nanoseconds).
    var lastCompletion: Int64 = .min

    var non200: Int { statusCounts.values.reduce(0, +) }

    mutating func countReason(_ reason: String, _ count: Int = 1) {
        if errorReasons[reason] != nil || errorReasons.count < Self.reasonLimit { errorReasons[reason, default: 0] += count }
    }

    mutating func recordLatency(nanoseconds: Int64) {
        histogram.record(UInt64(max(1, nanoseconds / 1000)))
    }

    mutating func merge(_ other: LoadTally, sampleLimit: Int) {
        histogram.add(other.histogram)
        requests += other.requests
        decisions += other.decisions
        allowedAnswers += other.allowedAnswers
        deniedAnswers += other.deniedAnswers
        statusCounts.merge(other.statusCounts, uniquingKeysWith: +)
        connectionErrors += other.connectionErrors
        timeouts += other.timeouts
        for (reason, count) in other.errorReasons { countReason(reason, count) }
        mismatches += other.mismatches
        mismatchSamples += other.mismatchSamples.prefix(max(0, sampleLimit - mismatchSamples.count))
        completedIncludingWarmup += other.completedIncludingWarmup
        errorsIncludingWarmup += other.errorsIncludingWarmup
        lastCompletion = max(lastCompletion, other.lastCompletion)
    }
}

/// The tally of one generator thread: written by it, read by the progress reporter and at
/// the end. The lock is almost never contended (one reader, once a second).
final class LoopTally: Sendable {
    private let box = NIOLockedValueBox(LoadTally())

    func update(_ body: (inout LoadTally) -> Void) {
        box.withLockedValue { body(&$0) }
    }

    var value: LoadTally { box.withLockedValue { $0 } }
}
