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
/// and a close; a missing or wrong API key gets 401/403 and the connection stays usable
/// (its body is skipped, not buffered).
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
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
    private let dispatcher: RequestDispatcher
    // `@exclusivity(unchecked)`: a handler is only touched on its channel's event loop, and no
    // method holds an access to these across a call that touches them again (the whole suite
    // ran clean with the runtime checks before they were turned off here), so the checks,
    // several per request on the hot path, buy nothing.
    @exclusivity(unchecked) private var state = State.head(scanned: 0)
    @exclusivity(unchecked) private var buffer: ByteBuffer?
    @exclusivity(unchecked) private var needsFlush = false
    @exclusivity(unchecked) private var pausedForWritability = false
    @exclusivity(unchecked) private var readPending = false
    /// The channel's writability, kept from `channelWritabilityChanged` (NIO fires it inside
    /// the write that crosses the high-water mark), and its allocator: asking the channel for
    /// either goes through the pipeline and the socket channel's locks-free but not free
    /// accessors, several times per request.
    @exclusivity(unchecked) private var writable = true
    @exclusivity(unchecked) private var allocator = ByteBufferAllocator()
    // Idle timeout state, see ConnectionHandler+Idle.swift.
    @exclusivity(unchecked) var activity: UInt64 = 0
    var observedActivity: UInt64 = 0
    var idleTicks = 0
    var idleTask: RepeatedTask?

    init(server: ServerState) {
        self.server = server
        self.dispatcher = RequestDispatcher(
            server: server, scratch: JSONScratch(initialCapacity: 512), responses: ResponseBufferRecycler())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        allocator = context.channel.allocator
        writable = context.channel.isWritable
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopIdleTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopIdleTimer()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity &+= 1
        var incoming = unwrapInboundIn(data)
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

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        server.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Answers every complete request in the buffer.
    private func process(context: ChannelHandlerContext) {
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
                    let verdict =
                        route.requiresAuthentication
                        ? server.authenticator.verify(bytes: head.authorization.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
                        : .accepted
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
                startRequest(head, route: route, query: query, verdict: verdict, input: &input, context: context)
                return true
            }

        case .body(let head, let route, let query, let length):
            guard input.readableBytes >= length, let body = input.readSlice(length: length) else { return false }
            state = .head(scanned: 0)
            answer(head, route: route, query: query, body: body, context: context)
            return true

        case .chunked(let head, let route, let query, var decoder, var body):
            state = .head(scanned: 0)  // drop the state's copy of `body` so appending does not copy
            switch decoder.decode(&input, into: &body, limit: limits.maxBodyBytes) {
            case .needMoreData:
                state = .chunked(head, route, query, decoder, body)
                return false
            case .malformed:
                fail(.badRequest, code: "invalid_http", detail: "malformed chunked body", context: context)
                return false
            case .tooLarge:
                fail(.payloadTooLarge, code: "body_too_large", detail: "request body exceeds \(limits.maxBodyBytes) bytes", context: context)
                return false
            case .done:
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

    /// Starts answering a request whose head was just read from `input`.
    private func startRequest(
        _ head: RequestHead, route: Route, query: Substring, verdict: APIKeyAuthenticator.Verdict, input: inout ByteBuffer,
        context: ChannelHandlerContext
    ) {
        let limits = server.configuration.limits
        if let failure = dispatcher.authenticationFailure(verdict, allocator: allocator) {
            switch head.framing {
            case .none:
                state = .head(scanned: 0)
                write(failure, head: head, context: context)
            case .length(let length):
                state = .skipping(remaining: length)
                write(failure, head: head, context: context)
            case .chunked:
                state = .closing
                write(failure, head: head, forceClose: true, context: context)
            }
            return
        }
        if case .length(let length) = head.framing, length > limits.maxBodyBytes {
            fail(.payloadTooLarge, code: "body_too_large", detail: "request body exceeds \(limits.maxBodyBytes) bytes", head: head, context: context)
            return
        }
        if head.expectContinue, head.framing != .none {
            context.write(wrapOutboundOut(ResponseFraming.continueResponse(allocator: allocator)), promise: nil)
            needsFlush = true
        }
        switch head.framing {
        case .none:
            state = .head(scanned: 0)
            answer(head, route: route, query: query, body: ByteBuffer(), context: context)
        case .length(let length):
            if let body = input.readSlice(length: length) {
                // The usual case: the body came with the head, so it is answered without
                // going through the `.body` state.
                state = .head(scanned: 0)
                answer(head, route: route, query: query, body: body, context: context)
            } else {
                state = .body(head, route, query, length: length)
            }
        case .chunked:
            state = .chunked(head, route, query, ChunkedBodyDecoder(), allocator.buffer(capacity: 0))
        }
    }

    private func answer(_ head: RequestHead, route: Route, query: Substring, body: ByteBuffer, context: ChannelHandlerContext) {
        switch dispatcher.dispatch(
            route: route, query: query, head: head, body: body, allocator: allocator, eventLoop: { context.eventLoop }) {
        case .immediate(let response):
            write(response, head: head, context: context)
        case .deferred(let future):
            state = .waiting
            // Completes on this connection's event loop, so touching the handler is safe.
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = loopBound.value
                handler.finishDeferred(result, head: head, context: context)
            }
        }
    }

    private var backlogIsFull: Bool {
        guard case .waiting = state, let buffer else { return false }
        let limits = server.configuration.limits
        return buffer.readableBytes > limits.maxBodyBytes + limits.maxHeaderBytes
    }

    private func finishDeferred(_ result: Result<EndpointResponse, Error>, head: RequestHead, context: ChannelHandlerContext) {
        guard case .waiting = state else { return }
        state = .head(scanned: 0)
        let response: EndpointResponse
        switch result {
        case .success(let answer):
            response = answer
        case .failure(let error):
            server.logger.error("request failed", metadata: ["http.path": "\(head.uri)", "error": "\(error)"])
            response = ErrorResponse.make(.internalServerError, code: "internal_error", detail: "the request could not be completed", allocator: allocator)
        }
        write(response, head: head, context: context)
        process(context: context)
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        if readPending, !pausedForWritability, !backlogIsFull {
            readPending = false
            context.read()
        }
    }

    /// Answers with an error and closes the connection.
    private func fail(_ status: HTTPResponseStatus, code: String, detail: String, head: RequestHead? = nil, context: ChannelHandlerContext) {
        let response = ErrorResponse.make(status, code: code, detail: detail, allocator: allocator)
        let fallback = RequestHead(keepAlive: false)
        write(response, head: head ?? fallback, forceClose: true, context: context)
    }

    private func write(_ response: consuming EndpointResponse, head: RequestHead, forceClose: Bool = false, context: ChannelHandlerContext) {
        let keepAlive = head.keepAlive && !forceClose
        // Framed in place: `response` is this function's own copy, so its body buffer is
        // uniquely referenced and the head goes into its headroom without a copy-on-write.
        var response = response
        ResponseFraming.frame(
            status: response.status, body: &response.body, version: head.version, keepAlive: keepAlive,
            omitBody: head.method.isHEAD, allow: response.allow, allocator: allocator)
        let bytes = response.body
        if keepAlive {
            context.write(wrapOutboundOut(bytes), promise: nil)
            dispatcher.responses.keep(bytes)
            needsFlush = true
        } else {
            state = .closing
            needsFlush = false
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
