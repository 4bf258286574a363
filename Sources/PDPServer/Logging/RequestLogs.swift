// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Synchronization

/// The decision log and the access log of one server; both off by default.
///
/// - Decision log: one JSON line per decision of `/allowed` and `/allowed/bulk` (each check
///   of a bulk request), or a sample of them (``decisionSampleRate``): time, user, action,
///   resource type and key, tenant, allow, the granting role or the deny reason, latency.
/// - Access log: one JSON line per answered request: method, path (without its query), route,
///   status, latency, request and response body bytes.
///
/// Neither ever holds a request body, a header or the API key. Lines are gathered per event
/// loop (``LoopLogBuffer``) and written by each ``LogSink`` on its own queue; when a sink
/// falls behind, lines are dropped and counted, requests never wait.
public final class RequestLogs: Sendable {
    public let decisions: LogSink?
    /// The share of decisions logged, in (0, 1]; 1 logs every one.
    public let decisionSampleRate: Double
    public let access: LogSink?
    private let loops = Mutex<[ObjectIdentifier: LoopLogs]>([:])

    /// - Parameter decisionSampleRate: clamped into (0, 1]; validate it before (the command
    ///   refuses values outside it).
    public init(decisions: LogSink? = nil, decisionSampleRate: Double = 1, access: LogSink? = nil) {
        self.decisions = decisions
        self.decisionSampleRate = decisionSampleRate.isFinite ? min(1, max(decisionSampleRate, .leastNonzeroMagnitude)) : 1
        self.access = access
    }

    /// The logs' state for connections of `loop`; `nil` when both logs are off (then the
    /// request path pays one `nil` check). Takes a lock: once per connection.
    func loopLogs(for loop: any EventLoop) -> LoopLogs? {
        guard decisions != nil || access != nil else { return nil }
        return loops.withLock { loops in
            let id = ObjectIdentifier(loop)
            if let existing = loops[id] { return existing }
            let created = LoopLogs(loop: loop, logs: self, seed: UInt64(truncatingIfNeeded: id.hashValue))
            loops[id] = created
            return created
        }
    }

    /// Hands every loop's gathered lines to the sinks (on each loop), then waits until the
    /// sinks have written them: afterwards every request answered before the call is logged.
    public func flush() async {
        let perLoop = loops.withLock { Array($0.values) }
        for logs in perLoop {
            try? await logs.loop.submit {
                logs.decisions?.flush()
                logs.access?.flush()
            }.get()
        }
        await decisions?.flush()
        await access?.flush()
    }
}
