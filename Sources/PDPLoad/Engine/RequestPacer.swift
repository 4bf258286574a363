// SPDX-License-Identifier: Apache-2.0

/// Decides when one worker (one connection slot) sends its next request.
///
/// Closed loop: at once, until the stop time or the budget. Open loop: request `n` of worker
/// `w` out of `W` is *intended* for `start + (w + n·W) / rate`, whatever happened before; when
/// the connection was busy past that instant, the request goes out late but keeps its
/// intended time, and latency is measured from it. So a stalled server shows up as the
/// latency its users would have seen (no coordinated omission).
///
/// Times are nanoseconds on any monotonic clock; the pacer never reads a clock itself.
public struct RequestPacer: Sendable {
    /// What to do now.
    public enum Decision: Sendable, Equatable {
        /// Send a request now; measure its latency from `intendedAt`.
        case send(intendedAt: Int64)
        /// Nothing is due yet; ask again at this time.
        case wait(until: Int64)
        /// This worker is done.
        case stop
    }

    private let openLoop: (firstAt: Int64, intervalNanoseconds: Double)?
    private let stopAt: Int64
    private let countsFrom: Int64
    private var budget: Int?
    /// Requests sent so far.
    public private(set) var sent = 0

    /// A closed-loop pacer: send whenever asked, until `stopAt`; `budget` counts only requests
    /// intended at or after `countsFrom` (the end of the warm-up).
    public init(closedLoopUntil stopAt: Int64, budget: Int? = nil, countsFrom: Int64 = .min) {
        self.openLoop = nil
        self.stopAt = stopAt
        self.budget = budget
        self.countsFrom = countsFrom
    }

    /// An open-loop pacer for worker `worker` of `workers` sharing `rate` requests per second
    /// in total, starting at `start`.
    public init(
        openLoopFrom start: Int64, rate: Double, worker: Int, workers: Int, until stopAt: Int64,
        budget: Int? = nil, countsFrom: Int64 = .min
    ) {
        let perRequest = 1e9 / rate
        self.openLoop = (start + Int64(Double(worker) * perRequest), perRequest * Double(workers))
        self.stopAt = stopAt
        self.budget = budget
        self.countsFrom = countsFrom
    }

    /// The intended send time of request `sequence` (open loop), or `nil` for a closed loop.
    public func intendedTime(of sequence: Int) -> Int64? {
        guard let openLoop else { return nil }
        return openLoop.firstAt + Int64(Double(sequence) * openLoop.intervalNanoseconds)
    }

    /// The decision at `now`; a `.send` counts the request as sent.
    public mutating func next(now: Int64) -> Decision {
        if let budget, budget <= 0 { return .stop }
        let intended = intendedTime(of: sent) ?? now
        if intended >= stopAt { return .stop }
        if intended > now { return .wait(until: intended) }
        sent += 1
        if intended >= countsFrom, let budget { self.budget = budget - 1 }
        return .send(intendedAt: intended)
    }
}

/// When a request was meant to go, went, and came back.
public struct RequestTiming: Sendable, Equatable {
    public var intendedAt: Int64
    public var sentAt: Int64

    public init(intendedAt: Int64, sentAt: Int64) {
        self.intendedAt = intendedAt
        self.sentAt = sentAt
    }

    /// Latency as the caller experienced it: from the intended send time (equal to the actual
    /// one in a closed loop) to the answer.
    public func latency(completedAt: Int64) -> Int64 { completedAt - intendedAt }
}
