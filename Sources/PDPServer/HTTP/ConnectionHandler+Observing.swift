// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// Sent to every connection's pipeline when graceful shutdown begins (``PDPServer``).
struct ConnectionDrain: Sendable {}

// Metrics, the access log and graceful shutdown, as the connection sees them. Per request:
// two monotonic clock reads and a few stores into this loop's counters; the logs cost one
// `nil` check while they are off.
extension ConnectionHandler {
    /// How long a connection that is idle when graceful shutdown begins stays open: a
    /// client that was about to send on it is answered (with `connection: close`) instead of
    /// finding it closed under its request. (Closing an idle keep-alive connection always
    /// races a client that sends at that moment; a second makes that a client idle for a
    /// whole second while the server drains. The shutdown timeout still bounds it.)
    static let drainIdleGrace: TimeAmount = .seconds(1)

    /// Notes the start of a request of `route` (`.other` for a malformed one).
    @inline(__always)
    func beginObserving(_ route: MetricRoute) {
        requestStart = MonotonicTime.now()
        requestRoute = route
        if let logs {
            logs.requestStart = requestStart
            logs.route = requestRoute
            logs.requestBytes = 0
        }
    }

    /// Whether `route` is answered without the API key although it normally needs one:
    /// `/metrics` with ``ServerConfiguration/metricsUnauthenticated``. Only asked when the key
    /// is missing or wrong, so an authenticated request never pays for it.
    func opensWithoutKey(_ route: Route) -> Bool {
        if case .metrics = route { return server.configuration.metricsUnauthenticated }
        return false
    }

    /// Counts an answer about to be written: its route, status and latency, the decisions
    /// it carries, and its access log line.
    @inline(__always)
    func observe(_ response: borrowing EndpointResponse, head: RequestHead, bodyBytes: Int) {
        let elapsed = MonotonicTime.now() &- requestStart
        let status: Int
        if case .ok = response.status { status = 0 } else { status = MetricStatus.slot(response.status.code) }
        metrics.request(route: requestRoute.rawValue, status: status, nanoseconds: elapsed)
        metrics.decisions(allowed: response.allowedDecisions, denied: response.deniedDecisions)
        if let logs, logs.access != nil {
            let uri = head.uri
            let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { uri[..<$0] } ?? uri[...]
            logs.access(
                method: head.method.rawValue, path: path, route: requestRoute, status: response.status.code, nanoseconds: elapsed,
                requestBytes: logs.requestBytes, responseBytes: bodyBytes)
        }
    }

    /// Graceful shutdown: from now on every answer carries `connection: close` and the
    /// connection closes once it is written. A connection with no request under way is
    /// closed after ``drainIdleGrace`` unless a request arrives first.
    func beginDraining(context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        guard isIdle else { return }
        let seen = activity
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.drainIdleGrace) {
            let (handler, context) = loopBound.value
            if handler.activity == seen, handler.isIdle { context.close(promise: nil) }
        }
    }

    /// No request under way: waiting for a head, with no byte of one received.
    var isIdle: Bool {
        guard case .head = state else { return false }
        return (buffer?.readableBytes ?? 0) == 0 && !sawPreamble
    }
}
