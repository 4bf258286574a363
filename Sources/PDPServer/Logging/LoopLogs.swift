// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPStore
import PDPWire

/// One event loop's side of ``RequestLogs``: its line buffers, its sampling generator, and
/// the start time of the request being answered. Loop-confined, like ``LoopLogBuffer``.
final class LoopLogs: @unchecked Sendable {
    let loop: any EventLoop
    let decisions: LoopLogBuffer?
    let access: LoopLogBuffer?
    /// A decision is logged when the next random number is below this (`UInt64.max`: all).
    private let sampleThreshold: UInt64
    private var random: UInt64
    /// Monotonic nanoseconds at which the current request's head was complete.
    var requestStart: UInt64 = 0
    /// The route of the current request (for the decision lines of `/allowed/bulk`).
    var route = MetricRoute.other
    /// The body size of the current request.
    var requestBytes = 0

    init(loop: any EventLoop, logs: RequestLogs, seed: UInt64) {
        self.loop = loop
        decisions = logs.decisions.map { LoopLogBuffer(loop: loop, sink: $0) }
        access = logs.access.map { LoopLogBuffer(loop: loop, sink: $0) }
        sampleThreshold = logs.decisionSampleRate >= 1 ? .max : UInt64(logs.decisionSampleRate * 0x1p64)
        random = seed ^ 0x9E37_79B9_7F4A_7C15
    }

    /// Whether to log the next decision (SplitMix64; no lock, the state is this loop's).
    @inline(__always)
    func sampleDecision() -> Bool {
        guard decisions != nil else { return false }
        if sampleThreshold == .max { return true }
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) < sampleThreshold
    }

    /// Logs one decision, explained (the granting role, or why it was denied).
    func decision(_ explanation: Explanation) {
        let latency = (MonotonicTime.now() &- requestStart) / 1000
        let route = self.route
        decisions?.append { buffer in
            var writer = JSONWriter(buffer: buffer)
            writer.beginObject()
            writer.key("time")
            writer.string(Timestamp.now().rfc3339)
            writer.key("route")
            writer.string(route.label)
            writer.key("user")
            writer.string(explanation.request.user)
            writer.key("action")
            writer.string(explanation.request.action)
            writer.key("resource_type")
            writer.string(explanation.request.resourceType)
            writer.key("resource_key")
            if let key = explanation.request.resourceKey { writer.string(key) } else { writer.null() }
            writer.key("tenant")
            writer.string(explanation.tenant)
            writer.key("allow")
            writer.bool(explanation.outcome.isAllowed)
            if explanation.outcome.isAllowed {
                writer.key("role")
                if let role = explanation.grantingRoles.first?.first { writer.string(role) } else { writer.null() }
            } else {
                writer.key("reason")
                writer.string(explanation.outcome.code)
            }
            writer.key("latency_us")
            writer.int(Int(truncatingIfNeeded: latency))
            writer.endObject()
            buffer = writer.buffer
        }
    }

    /// Logs one answered request: no body, no header, no query string.
    func access(method: String, path: Substring, route: MetricRoute, status: UInt, nanoseconds: UInt64, requestBytes: Int, responseBytes: Int) {
        access?.append { buffer in
            var writer = JSONWriter(buffer: buffer)
            writer.beginObject()
            writer.key("time")
            writer.string(Timestamp.now().rfc3339)
            writer.key("method")
            writer.string(method)
            writer.key("path")
            writer.string(String(path))
            writer.key("route")
            writer.string(route.label)
            writer.key("status")
            writer.int(Int(status))
            writer.key("latency_us")
            writer.int(Int(truncatingIfNeeded: nanoseconds / 1000))
            writer.key("request_bytes")
            writer.int(requestBytes)
            writer.key("response_bytes")
            writer.int(responseBytes)
            writer.endObject()
            buffer = writer.buffer
        }
    }
}
