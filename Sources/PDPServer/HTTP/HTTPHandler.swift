// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import PDPCore
import PDPWire

/// Answers the requests of one connection.
///
/// NIO's pipelining handler (configured before this one) hands over one request at a time,
/// so the state is a single request in flight. Bodies are accumulated up to the configured
/// limit; a larger body or `Content-Length` is answered with 413 and the connection closed.
/// Authentication is checked on the head, before any body is kept.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(head: HTTPRequestHead, route: Route, query: Substring, body: ByteBuffer?)
        /// A response was already sent (error before the body ended); drop the rest.
        case discarding(closeAfter: Bool)
    }

    private let server: ServerState
    private let scratch = JSONScratch(initialCapacity: 512)
    private var state = State.idle

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
                return ErrorResponse.make(.methodNotAllowed, code: "method_not_allowed", detail: "use \(allow) for \(head.uri)", allocator: allocator)
            case .notFound:
                return ErrorResponse.make(.notFound, code: "not_found", detail: "no endpoint at \(head.method) \(head.uri)", allocator: allocator)
            }
        } catch {
            server.logger.debug("rejected request body", metadata: ["http.path": "\(head.uri)", "error": "\(error)"])
            return ErrorResponse.wire(error, allocator: allocator)
        }
    }

    private func write(_ response: EndpointResponse, for head: HTTPRequestHead, context: ChannelHandlerContext, forceClose: Bool = false) {
        let keepAlive = head.isKeepAlive && !forceClose
        var headers = HTTPHeaders()
        headers.reserveCapacity(3)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(response.body.readableBytes))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        server.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
