// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPWire

// Answering: from a complete head to the response on the wire, and the per-connection
// bookkeeping that goes with it (admission proof, body budget).
extension ConnectionHandler {
    /// Starts answering a request whose head was just read from `input`.
    func startRequest(
        _ head: RequestHead, route: Route, query: Substring, verdict: APIKeyAuthenticator.Verdict, input: inout ByteBuffer,
        context: ChannelHandlerContext
    ) {
        let limits = server.configuration.limits
        heads &+= 1
        sawPreamble = false
        beginObserving(MetricRoute(route))
        if !proven, verdict == .accepted { prove() }
        if route.requiresAuthentication, let failure = dispatcher.authenticationFailure(verdict, allocator: allocator),
            !opensWithoutKey(route)
        {
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
        // A body still to come is buffered: it must fit the server-wide budget. (One that came
        // with its head, the usual case, is answered from the read buffer below.)
        if case .length(let length) = head.framing, input.readableBytes < length, !reserveBody(length) {
            failBusy(head: head, context: context)
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
            // A large batch: a second core is asked for now, so that it is running by the
            // time the body is complete (ParallelBulk.Helper).
            if case .allowedBulk = route, length >= 2 * ParallelBulk.minimumSliceBytes {
                allowLargeReads(context: context)
                if logs == nil {
                    releaseBulkHelper()
                    bulkHelper = ParallelBulk.Helper.start()
                }
            }
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

    func answer(_ head: RequestHead, route: Route, query: Substring, body: ByteBuffer, context: ChannelHandlerContext) {
        logs?.requestBytes = body.readableBytes
        if bulkHelper != nil { return answerWithHelper(head, route: route, query: query, body: body, context: context) }
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

    // While a deferred answer is pending, at most a head's worth of the next requests is
    // read ahead: more would be body bytes held outside the ``BodyBudget``.
    var backlogIsFull: Bool {
        guard case .waiting = state, let buffer else { return false }
        return buffer.readableBytes > server.configuration.limits.maxHeaderBytes
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

    /// A large `/allowed/bulk` batch with the helper asked for at its head: answered at
    /// once, as every decision route is. Apart so that other requests pay one test for it.
    @inline(never)
    private func answerWithHelper(_ head: RequestHead, route: Route, query: Substring, body: ByteBuffer, context: ChannelHandlerContext) {
        let helper = bulkHelper
        bulkHelper = nil
        let response = dispatcher.respond(route: route, query: query, head: head, body: body, allocator: allocator, bulkHelper: helper)
        helper?.close()
        write(response, head: head, context: context)
    }

    /// Tells the helper asked for a bulk body, if any, that it is not needed (any more).
    func releaseBulkHelper() {
        bulkHelper?.close()
        bulkHelper = nil
    }

    /// Answers with an error and closes the connection.
    func fail(_ status: HTTPResponseStatus, code: String, detail: String, head: RequestHead? = nil, context: ChannelHandlerContext) {
        if head == nil { beginObserving(.other) }
        let response = ErrorResponse.make(status, code: code, detail: detail, allocator: allocator)
        let fallback = RequestHead(keepAlive: false)
        write(response, head: head ?? fallback, forceClose: true, context: context)
    }

    func write(_ response: consuming EndpointResponse, head: RequestHead, forceClose: Bool = false, context: ChannelHandlerContext) {
        let keepAlive = head.keepAlive && !forceClose && !draining
        // Framed in place: `response` is this function's own copy, so its body buffer is
        // uniquely referenced and the head goes into its headroom without a copy-on-write.
        var response = response
        let bodyBytes = response.body.readableBytes
        ResponseFraming.frame(
            status: response.status, body: &response.body, version: head.version, keepAlive: keepAlive,
            omitBody: head.method.isHEAD, allow: response.allow, plainText: response.plainText, allocator: allocator)
        let bytes = response.body
        observe(response, head: head, bodyBytes: bodyBytes)
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

    /// Marks the connection as proven in the registry (once).
    private func prove() {
        proven = true
        if let ticket { server.connections.prove(ticket) }
    }

    /// Reads of up to 256 KiB for a connection that sent a large batch (with the key, as
    /// every request that gets this far): a 1,000-check body (162 KB) then arrives in one
    /// read instead of three, without being copied into a growing buffer (1.05x for one
    /// connection's batches, docs/performance.md). Every other connection keeps NIO's 64 KiB,
    /// so neither the unproven connections a server admits nor those sending single checks
    /// hold more, and they pay nothing for it.
    private func allowLargeReads(context: ChannelHandlerContext) {
        guard !largeReads else { return }
        largeReads = true
        try? context.channel.syncOptions?.setOption(.recvAllocator, value: Self.largeReadsAllocator)
    }

    private static let largeReadsAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 256 * 1024)

    /// Reserves `bytes` more of the server's body budget for this connection's body.
    func reserveBody(_ bytes: Int) -> Bool {
        guard server.bodyBudget.reserve(bytes) else { return false }
        reservedBody += bytes
        return true
    }

    /// Returns this connection's reservation (no-op without one).
    func releaseBody() {
        if reservedBody > 0 {
            server.bodyBudget.release(reservedBody)
            reservedBody = 0
        }
    }

    func failBusy(head: RequestHead? = nil, context: ChannelHandlerContext) {
        releaseBody()
        fail(
            .serviceUnavailable, code: "server_busy",
            detail: "too many request bodies are arriving at once; retry shortly", head: head, context: context)
    }
}
