// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import PDPCore
import PDPWire

/// Answers the requests of one connection, after NIO's HTTP/1.1 request decoder.
///
/// Every request is answered synchronously as soon as its end arrives, so responses leave
/// in request order and pipelining needs no extra handler. Responses are framed as bytes by
/// ``ResponseFraming`` (no response encoder), written as they are produced and flushed once
/// per read batch (`channelReadComplete`), so pipelined requests share one `writev`. When the
/// socket stops being writable, reading pauses, so a client that pipelines without reading
/// cannot make the server buffer without bound.
///
/// Bodies are accumulated up to the configured limit; a larger body or `Content-Length` is
/// answered with 413 and the connection closed. Authentication is checked on the head,
/// before any body is kept.
final class HTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case receiving(head: HTTPRequestHead, route: Route, query: Substring, body: ByteBuffer?)
        /// A response was already sent (error before the body ended); drop the rest.
        case discarding(closeAfter: Bool)

        var responded: Bool {
            if case .discarding = self { return true }
            return false
        }
    }

    private let server: ServerState
    private let scratch = JSONScratch(initialCapacity: 512)
    private var state = State.idle
    private var needsFlush = false
    private var readPending = false

    init(server: ServerState) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receiveHead(head, context: context)
        case .body(var chunk):
            guard case .receiving(let head, let route, let query, var body) = state else { return }
            // Drop the state's reference first so appending does not copy the buffer.
            state = .idle
            let size = (body?.readableBytes ?? 0) + chunk.readableBytes
            if size > server.configuration.limits.maxBodyBytes {
                rejectTooLarge(head, context: context)
                return
            }
            if var accumulated = body {
                body = nil
                accumulated.writeBuffer(&chunk)
                body = accumulated
            } else {
                body = chunk
            }
            state = .receiving(head: head, route: route, query: query, body: body)
        case .end:
            switch state {
            case .receiving(let head, let route, let query, let body):
                state = .idle
                let response = respond(route, query: query, head: head, body: body ?? ByteBuffer(), allocator: context.channel.allocator)
                write(response, for: head, context: context)
            case .discarding(let closeAfter):
                state = .idle
                if closeAfter { context.close(promise: nil) }
            case .idle:
                break
            }
        }
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let (route, query) = Route.match(head.method, head.uri)
        if route.requiresAuthentication {
            switch server.authenticator.verify(head.headers.first(name: "authorization")) {
            case .accepted: break
            case .missing:
                sendEarly(ErrorResponse.make(.unauthorized, code: "missing_api_key", detail: "Missing Authorization header", allocator: context.channel.allocator), for: head, context: context)
                return
            case .rejected:
                sendEarly(ErrorResponse.make(.forbidden, code: "invalid_api_key", detail: "You are not authorized to access this resource, please check your API key.", allocator: context.channel.allocator), for: head, context: context)
                return
            }
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > server.configuration.limits.maxBodyBytes {
            rejectTooLarge(head, context: context)
            return
        }
        state = .receiving(head: head, route: route, query: query, body: nil)
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            context.write(wrapOutboundOut(ResponseFraming.continueResponse(allocator: context.channel.allocator)), promise: nil)
            needsFlush = true
        }
    }

    private func rejectTooLarge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let limit = server.configuration.limits.maxBodyBytes
        let response = ErrorResponse.make(.payloadTooLarge, code: "body_too_large", detail: "request body exceeds \(limit) bytes", allocator: context.channel.allocator)
        // The rest of the body is not read: close once the answer is out.
        state = .discarding(closeAfter: true)
        write(response, for: head, context: context, forceClose: true)
    }

    private func sendEarly(_ response: EndpointResponse, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        state = .discarding(closeAfter: false)
        write(response, for: head, context: context)
    }

    private func respond(_ route: Route, query: Substring, head: HTTPRequestHead, body: ByteBuffer, allocator: ByteBufferAllocator) -> EndpointResponse {
        let configuration = server.configuration
        let debug = configuration.debugByDefault || (!query.isEmpty && QueryParameters(query)["debug"] == "true")
        let context = EndpointContext(
            snapshot: server.store.current, allocator: allocator, scratch: scratch, limits: configuration.limits,
            debug: debug, readiness: route == .ready ? server.readiness : Readiness())
        do throws(WireError) {
            switch route {
            case .allowed: return try DecisionEndpoints.allowed(body, context)
            case .allowedBulk: return try DecisionEndpoints.bulk(body, context)
            case .allowedAllTenants: return try DecisionEndpoints.allTenants(body, context)
            case .userPermissions: return try QueryEndpoints.userPermissions(body, context)
            case .authorizedUsers: return try QueryEndpoints.authorizedUsers(body, context)
            case .userTenants: return try QueryEndpoints.userTenants(body, context)
            case .localRoleAssignments: return QueryEndpoints.roleAssignments(query, context)
            case .health: return QueryEndpoints.health(ready: false, context)
            case .ready: return QueryEndpoints.health(ready: true, context)
            case .methodNotAllowed(let allow):
                var response = ErrorResponse.make(.methodNotAllowed, code: "method_not_allowed", detail: "use \(allow) for \(head.uri)", allocator: allocator)
                // RFC 9110 §15.5.6: a 405 must list the allowed methods in `Allow`.
                response.allow = allow
                return response
            case .notFound:
                return ErrorResponse.make(.notFound, code: "not_found", detail: "no endpoint at \(head.method) \(head.uri)", allocator: allocator)
            }
        } catch {
            server.logger.debug("rejected request body", metadata: ["http.path": "\(head.uri)", "error": "\(error)"])
            return ErrorResponse.wire(Self.confirmingSchemaError(error, body: body, limits: context.jsonLimits), allocator: allocator)
        }
    }

    /// The streaming readers stop at the first problem they meet, so a body that is not JSON
    /// at all (`nope`, `[1,2`) surfaced as a schema error ("expected an object, found null")
    /// before the bad syntax was reached, and got 422 instead of 400. Clients must get 400
    /// `invalid_json` for malformed JSON and 422 only for well-formed JSON of the wrong
    /// shape, so a schema error is confirmed by parsing the whole body. Error path only.
    private static func confirmingSchemaError(_ error: WireError, body: ByteBuffer, limits: JSONLimits) -> WireError {
        guard error.kind == .schema else { return error }
        do throws(WireError) {
            _ = try JSONValue.parse(body, limits: limits)
            return error
        } catch let parseError {
            return parseError.kind == .syntax ? parseError : error
        }
    }

    private func write(_ response: EndpointResponse, for head: HTTPRequestHead, context: ChannelHandlerContext, forceClose: Bool = false) {
        let keepAlive = head.isKeepAlive && !forceClose
        let bytes = ResponseFraming.frame(
            status: response.status, body: response.body, version: head.version, keepAlive: keepAlive,
            omitBody: head.method == .HEAD, allow: response.allow, allocator: context.channel.allocator)
        if keepAlive {
            context.write(wrapOutboundOut(bytes), promise: nil)
            needsFlush = true
        } else {
            needsFlush = false
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    // Back-pressure: while the socket cannot take more, stop reading requests.
    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readPending {
            readPending = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Malformed HTTP from the decoder gets a 400 (431 for oversized headers) and a close;
    /// anything else just closes.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        server.logger.debug("connection error", metadata: ["error": "\(error)"])
        guard let parserError = error as? HTTPParserError, !state.responded else {
            context.close(promise: nil)
            return
        }
        state = .discarding(closeAfter: true)
        let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        let response = ErrorResponse.make(status, code: "invalid_http", detail: "malformed HTTP request: \(parserError)", allocator: context.channel.allocator)
        let bytes = ResponseFraming.frame(
            status: response.status, body: response.body, version: .http1_1, keepAlive: false, omitBody: false,
            allocator: context.channel.allocator)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
    }
}
