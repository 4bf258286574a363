// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import PDPWire

/// Reads HTTP/1.x requests from a connection's bytes and answers them.
///
/// Requests are parsed in place from the received bytes (``RequestHeadParser``,
/// ``ChunkedBodyDecoder``), answered synchronously as soon as they are complete, and the
/// answers framed as bytes (``ResponseFraming``). Answers therefore leave in request order
/// (pipelining needs no queue); they are flushed once per read batch, so pipelined requests
/// share one `writev`. While the socket cannot take more, parsing and reading pause, so a
/// client that pipelines without reading cannot make the server buffer without bound.
///
/// Failure modes: a malformed head or chunked body gets 400 (431 for oversized heads, 501
/// for unknown transfer codings) and the connection is closed; a body over the limit gets 413
/// and a close; a body the server-wide ``BodyBudget`` cannot take gets 503 and a close; a
/// head or body that arrives too slowly gets 408 and a close (ConnectionHandler+Deadlines);
/// a missing or wrong API key gets 401/403 and the connection stays usable (its body is
/// skipped, not buffered).
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        /// Waiting for a head; `scanned` bytes of the buffer were already searched.
        case head(scanned: Int)
        case body(RequestHead, Route, Substring, length: Int)
        case chunked(RequestHead, Route, Substring, ChunkedBodyDecoder, ByteBuffer)
        /// Dropping the body of a request that was already answered (401/403).
        case skipping(remaining: Int)
        /// A deferred answer is pending; later requests stay buffered until it is written.
        case waiting
        /// A final answer was sent; the connection closes once it is flushed.
        case closing
    }

    /// Whether a deferred answer is pending (the connection is busy, not idle).
    var isWaiting: Bool {
        if case .waiting = state { return true }
        return false
    }

    let server: ServerState
    let dispatcher: RequestDispatcher
    // `@exclusivity(unchecked)`: a handler is only touched on its channel's event loop, and no
    // method holds an access to these across a call that touches them again (the whole suite
    // ran clean with the runtime checks before they were turned off here), so the checks,
    // several per request on the hot path, buy nothing.
    @exclusivity(unchecked) var state = State.head(scanned: 0)
    @exclusivity(unchecked) var buffer: ByteBuffer?
    @exclusivity(unchecked) var needsFlush = false
    @exclusivity(unchecked) var pausedForWritability = false
    @exclusivity(unchecked) var readPending = false
    /// The channel's writability, kept from `channelWritabilityChanged` (NIO fires it inside
    /// the write that crosses the high-water mark), and its allocator: asking the channel for
    /// either goes through the pipeline and the socket channel's locks-free but not free
    /// accessors, several times per request.
    @exclusivity(unchecked) private var writable = true
    @exclusivity(unchecked) var allocator = ByteBufferAllocator()
    // Deadline state, see ConnectionHandler+Deadlines.swift.
    @exclusivity(unchecked) var activity: UInt64 = 0
    /// Request heads completed on this connection.
    @exclusivity(unchecked) var heads: UInt64 = 0
    /// Bytes received on this connection.
    @exclusivity(unchecked) var received: UInt64 = 0
    /// Blank lines arrived since the last head (they precede a head: RFC 9112 §2.2).
    @exclusivity(unchecked) var sawPreamble = false
    var observedActivity: UInt64 = 0
    var idleTicks = 0
    var observedPhase = DeadlinePhase.other
    var phaseTicks = 0
    var phaseStartBytes: UInt64 = 0
    var deadlineTask: RepeatedTask?
    // Connection admission (ConnectionRegistry): proven once an authenticated head completes.
    let ticket: ConnectionRegistry.Ticket?
    @exclusivity(unchecked) var proven = false
    /// Body bytes reserved in the server's ``BodyBudget`` for the body being buffered.
    @exclusivity(unchecked) var reservedBody = 0
    // Metrics and logs (ConnectionHandler+Observing.swift): this loop's counters, this loop's
    // log buffers (`nil` when both logs are off), and the request being answered.
    let metrics: LoopMetrics
    let logs: LoopLogs?
    @exclusivity(unchecked) var requestStart: UInt64 = 0
    @exclusivity(unchecked) var requestRoute = MetricRoute.other
    /// Graceful shutdown began: answer with `connection: close`, close when idle.
    @exclusivity(unchecked) var draining = false
    /// The helper asked for the large `/allowed/bulk` body being received, if any.
    @exclusivity(unchecked) var bulkHelper: ParallelBulk.Helper?
    /// Reads may be up to 256 KiB: this connection has sent a large batch.
    @exclusivity(unchecked) var largeReads = false

    /// - Parameters:
    ///   - ticket: the connection's slot in ``ServerState/connections``; `nil` when the
    ///     connection was not admitted through it (benchmarks and tests on an `EmbeddedChannel`).
    ///   - loop: the connection's event loop, whose counters and log buffers it records into.
    init(server: ServerState, ticket: ConnectionRegistry.Ticket? = nil, loop: any EventLoop) {
        self.server = server
        self.ticket = ticket
        self.metrics = server.metrics.recorder(for: loop)
        let logs = server.logs.loopLogs(for: loop)
        self.logs = logs
        self.dispatcher = RequestDispatcher(
            server: server, scratch: JSONScratch(initialCapacity: 512), responses: ResponseBufferRecycler(), logs: logs)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        allocator = context.channel.allocator
        writable = context.channel.isWritable
    }

    func channelActive(context: ChannelHandlerContext) {
        startDeadlineTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopDeadlineTimer()
        releaseBody()
        releaseBulkHelper()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopDeadlineTimer()
        releaseBody()
        releaseBulkHelper()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity &+= 1
        var incoming = unwrapInboundIn(data)
        received &+= UInt64(truncatingIfNeeded: incoming.readableBytes)
        if case .closing = state { return }
        if buffer == nil || buffer?.readableBytes == 0 {
            buffer = incoming
        } else {
            buffer?.writeBuffer(&incoming)
        }
        process(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    // Back-pressure: while the socket cannot take more, or a deferred answer is pending with
    // a full request already buffered behind it, stop reading requests.
    func read(context: ChannelHandlerContext) {
        if pausedForWritability || backlogIsFull {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable, pausedForWritability {
            pausedForWritability = false
            process(context: context)
            if needsFlush {
                needsFlush = false
                context.flush()
            }
            if readPending {
                readPending = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ConnectionDrain {
            beginDraining(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        server.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Answers every complete request in the buffer.
    func process(context: ChannelHandlerContext) {
        while var input = buffer, input.readableBytes > 0 {
            if !writable {
                pausedForWritability = true
                return
            }
            buffer = nil  // keep the storage uniquely referenced while consuming it
            let progressed = step(&input, context: context)
            buffer = input
            if !progressed { break }
        }
        if let input = buffer, input.readableBytes == 0 {
            buffer = nil
        } else if let input = buffer, input.readerIndex > 64 * 1024 {
            buffer?.discardReadBytes()
            _ = input
        }
    }

    /// Advances the state machine once. Returns `false` when more bytes are needed.
    private func step(_ input: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let limits = server.configuration.limits
        switch state {
        case .closing:
            input.clear()
            return false

        case .waiting:
            return false

        case .head(let scanned):
            // Tolerate empty lines between requests (RFC 9112 §2.2).
            while let byte = input.getInteger(at: input.readerIndex, as: UInt8.self),
                byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
            {
                input.moveReaderIndex(forwardBy: 1)
                sawPreamble = true
            }
            guard input.readableBytes > 0 else { return false }
            // Parsed, routed and authenticated in one pass over the bytes in place.
            var head = RequestHead()
            let parsed = input.withUnsafeReadableBytes { bytes -> ParsedHead in
                switch RequestHeadParser.parse(bytes, maxHeaderBytes: limits.maxHeaderBytes, resumeAt: scanned, into: &head) {
                case .incomplete(let newScanned):
                    return .incomplete(scanned: newScanned)
                case .invalid(let status, let reason):
                    return .invalid(status, reason)
                case .complete(let length):
                    let (route, query) = Route.match(
                        head.method, target: UnsafeRawBufferPointer(rebasing: bytes[head.target]), uri: head.uri)
                    // Checked for every route: the health routes need no key, but show details
                    // only with it, and a connection is proven by an authenticated request.
                    let verdict = server.authenticator.verify(bytes: head.authorization.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
                    return .complete(length: length, route: route, query: query, verdict: verdict)
                }
            }
            switch parsed {
            case .incomplete(let newScanned):
                state = .head(scanned: newScanned)
                return false
            case .invalid(let status, let reason):
                fail(status, code: "invalid_http", detail: "malformed HTTP request: \(reason)", context: context)
                return false
            case .complete(let length, let route, let query, let verdict):
                input.moveReaderIndex(forwardBy: length)
                head.authenticated = verdict == .accepted
                startRequest(head, route: route, query: query, verdict: verdict, input: &input, context: context)
                return true
            }

        case .body(let head, let route, let query, let length):
            guard input.readableBytes >= length, let body = input.readSlice(length: length) else { return false }
            state = .head(scanned: 0)
            releaseBody()
            answer(head, route: route, query: query, body: body, context: context)
            return true

        case .chunked(let head, let route, let query, var decoder, var body):
            state = .head(scanned: 0)  // drop the state's copy of `body` so appending does not copy
            let outcome = decoder.decode(&input, into: &body, limit: limits.maxBodyBytes, maxTrailerBytes: limits.maxHeaderBytes)
            if body.readableBytes > reservedBody, !reserveBody(body.readableBytes - reservedBody) {
                failBusy(context: context)
                return false
            }
            switch outcome {
            case .needMoreData:
                state = .chunked(head, route, query, decoder, body)
                return false
            case .malformed(let reason):
                fail(.badRequest, code: "invalid_http", detail: "malformed chunked body: \(reason)", context: context)
                return false
            case .tooLarge:
                fail(.payloadTooLarge, code: "body_too_large", detail: "request body exceeds \(limits.maxBodyBytes) bytes", context: context)
                return false
            case .trailersTooLarge:
                fail(.requestHeaderFieldsTooLarge, code: "invalid_http", detail: "chunked trailers exceed \(limits.maxHeaderBytes) bytes or \(RequestHeadParser.maxFields) fields", context: context)
                return false
            case .done:
                releaseBody()
                answer(head, route: route, query: query, body: body, context: context)
                return true
            }

        case .skipping(let remaining):
            let take = min(remaining, input.readableBytes)
            input.moveReaderIndex(forwardBy: take)
            state = take == remaining ? .head(scanned: 0) : .skipping(remaining: remaining - take)
            return take == remaining
        }
    }

    private enum ParsedHead {
        case incomplete(scanned: Int)
        case invalid(HTTPResponseStatus, String)
        case complete(length: Int, route: Route, query: Substring, verdict: APIKeyAuthenticator.Verdict)
    }
}
