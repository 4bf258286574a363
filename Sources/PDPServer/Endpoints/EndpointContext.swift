// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPCore
import PDPWire

/// What an endpoint needs to answer one request.
struct EndpointContext {
    /// The snapshot loaded once for this request, by reference: a `PolicySnapshot` value holds
    /// a dozen arrays, so copying one costs a dozen retains and releases per request.
    let published: SnapshotStore.Box
    /// The snapshot, borrowed from ``published`` without copying.
    var snapshot: PolicySnapshot {
        _read { yield published.snapshot }
    }
    let allocator: ByteBufferAllocator
    /// Reused across the requests of one connection (strings with escapes are decoded here).
    let scratch: JSONScratch
    /// The connection's last response buffer, reused for the next answer once written.
    let responses: ResponseBufferRecycler
    let limits: RequestLimits
    /// Add a `debug` object with the reason to decision responses.
    let debug: Bool
    var readiness: Readiness
    /// The decision log of this connection's loop; `nil` when it is off (the usual case).
    let logs: LoopLogs?

    var jsonLimits: JSONLimits { JSONLimits(maxDepth: limits.maxJSONDepth, maxBytes: limits.maxBodyBytes) }

    /// A buffer for the answer's body, with headroom for the HTTP head: the connection's
    /// previous response buffer when the socket is done with it, else a new one.
    @inline(__always)
    func responseBuffer(capacity: Int) -> ByteBuffer {
        responses.take(capacity: capacity, allocator: allocator)
    }
}

/// An endpoint's answer, before HTTP framing.
struct EndpointResponse {
    var status: HTTPResponseStatus
    var body: ByteBuffer
    /// The `Allow` header of a 405 answer.
    var allow: String? = nil
    /// `text/plain` (Prometheus' text format) instead of JSON.
    var plainText = false
    /// Decisions this answer carries, for the `pdp_decisions_total` metric.
    var allowedDecisions: UInt32 = 0
    var deniedDecisions: UInt32 = 0

    static func ok(_ body: ByteBuffer) -> EndpointResponse { EndpointResponse(status: .ok, body: body) }
}

/// An endpoint's answer now, or later (writes that must reach the disk before they are
/// acknowledged run off the event loop and complete the future).
enum DispatchOutcome {
    case immediate(EndpointResponse)
    case deferred(EventLoopFuture<EndpointResponse>)
}

/// What `/ready` reports.
public struct Readiness: Sendable {
    public var ready: Bool
    /// Why the last reload failed, if it did (the last good policy keeps serving).
    public var lastReloadError: String?
    /// Successful policy reloads since start.
    public var reloads: Int
    /// Failed policy reloads since start (the last good policy kept serving).
    public var reloadFailures: Int

    public init(ready: Bool = true, lastReloadError: String? = nil, reloads: Int = 0, reloadFailures: Int = 0) {
        self.ready = ready
        self.lastReloadError = lastReloadError
        self.reloads = reloads
        self.reloadFailures = reloadFailures
    }
}

/// Error bodies: `{"detail": "...", "code": "...", "field": "..."}`, JSON like every answer.
enum ErrorResponse {
    static func make(_ status: HTTPResponseStatus, code: String, detail: String, field: String? = nil, allocator: ByteBufferAllocator) -> EndpointResponse {
        var writer = JSONWriter(buffer: allocator.responseBuffer(capacity: 96 + detail.utf8.count))
        writer.beginObject()
        writer.key("detail")
        writer.string(detail)
        writer.key("code")
        writer.string(code)
        if let field, !field.isEmpty {
            writer.key("field")
            writer.string(field)
        }
        writer.endObject()
        return EndpointResponse(status: status, body: writer.buffer)
    }

    static func wire(_ error: WireError, allocator: ByteBufferAllocator) -> EndpointResponse {
        make(HTTPResponseStatus(statusCode: error.httpStatus), code: error.code, detail: error.description, field: error.path, allocator: allocator)
    }
}
