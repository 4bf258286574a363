// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import PDPCore
import PDPWire

/// Routes one complete request to its endpoint and maps errors to statuses, once, here.
struct RequestDispatcher {
    let server: ServerState
    let scratch: JSONScratch
    let responses: ResponseBufferRecycler
    /// This loop's decision and access logs; `nil` when both are off.
    let logs: LoopLogs?

    /// Answers a complete request. Decisions and reads answer immediately; only endpoints
    /// that must wait for durable storage defer.
    func dispatch(
        route: Route, query: Substring, head: RequestHead, body: ByteBuffer, allocator: ByteBufferAllocator,
        eventLoop: () -> any EventLoop
    ) -> DispatchOutcome {
        guard case .rest(let rest) = route else {
            return .immediate(respond(route: route, query: query, head: head, body: body, allocator: allocator))
        }
        return respondREST(rest, query: query, head: head, body: body, allocator: allocator, eventLoop: eventLoop())
    }

    private func respondREST(
        _ route: RESTRoute, query: Substring, head: RequestHead, body: ByteBuffer, allocator: ByteBufferAllocator, eventLoop: any EventLoop
    ) -> DispatchOutcome {
        // `/authorized_users` may name every user of a tenant: its answer is built off the
        // event loop. It is routed as `.rest(.authorizedUsers)` so that the test for it is
        // here, not before the decision routes (there it cost each `/allowed` 14
        // instructions: a no-payload case of a multi-payload enum is told apart by its
        // payload words).
        if case .authorizedUsers = route { return authorizedUsers(body, head: head, allocator: allocator, eventLoop: eventLoop) }
        let methods = route.allowedMethods
        guard methods.contains(head.method) || (head.method.isHEAD && methods.contains(.GET)) else {
            var response = RESTError(
                status: .methodNotAllowed, code: "INVALID_INPUT", title: "Method Not Allowed",
                message: "use \(methods.map(\.rawValue).joined(separator: ", ")) for \(head.uri)"
            ).response(allocator: allocator)
            response.allow = methods.map(\.rawValue).joined(separator: ", ")
            return .immediate(response)
        }
        if let problem = head.syncHeaderProblem {
            return .immediate(RESTError.badRequest(problem).response(allocator: allocator))
        }
        let context = makeContext(allocator: allocator, debug: false, readiness: Readiness())
        let facts = server.facts
        guard let catalog = facts.loadedCatalog else {
            // A restart answers checks before the facts API's catalog is built: its requests
            // wait for it (seconds, with a million users), then run as usual.
            return .deferred(
                facts.whenLoaded(on: eventLoop).flatMap { catalog in
                    switch FactsEndpoints.respond(
                        route, method: head.method, query: query, body: body, context: context, catalog: catalog, facts: facts, eventLoop: eventLoop)
                    {
                    case .immediate(let response): eventLoop.makeSucceededFuture(response)
                    case .deferred(let future): future
                    }
                })
        }
        return FactsEndpoints.respond(
            route, method: head.method, query: query, body: body, context: context, catalog: catalog, facts: facts, eventLoop: eventLoop)
    }

    /// `bulkHelper`: the helper asked for a large `/allowed/bulk` body when its head arrived
    /// (``ParallelBulk/Helper``).
    func respond(
        route: Route, query: Substring, head: RequestHead, body: ByteBuffer, allocator: ByteBufferAllocator, bulkHelper: ParallelBulk.Helper? = nil
    ) -> EndpointResponse {
        let debug = server.configuration.debugByDefault || (!query.isEmpty && QueryParameters(query)["debug"] == "true")
        let readiness: Readiness
        if case .ready = route { readiness = server.readiness } else { readiness = Readiness() }
        let context = makeContext(allocator: allocator, debug: debug, readiness: readiness)
        do throws(WireError) {
            switch route {
            case .allowed: return try DecisionEndpoints.allowed(body, context)
            case .allowedBulk: return try DecisionEndpoints.bulk(body, context, helper: bulkHelper)
            case .allowedAllTenants: return try DecisionEndpoints.allTenants(body, context)
            case .userPermissions: return try QueryEndpoints.userPermissions(body, context)
            case .authorizedUsers:
                // Routed as `.rest(.authorizedUsers)` and answered off the event loop; this
                // synchronous answer is only for a `Route` made by hand.
                let request = try AuthorizedUsersRequest(parsing: body, limits: context.jsonLimits)
                return QueryEndpoints.authorizedUsers(request, catalog: server.facts.catalog, allocator: allocator)
            case .userTenants: return try QueryEndpoints.userTenants(body, context)
            case .localRoleAssignments:
                guard let catalog = server.facts.loadedCatalog else {
                    return ErrorResponse.make(
                        .serviceUnavailable, code: "facts_loading",
                        detail: "the facts are still being loaded after a restart; retry in a moment", allocator: allocator)
                }
                return QueryEndpoints.roleAssignments(query, context, catalog: catalog)
            case .health: return HealthEndpoints.health(ready: false, authenticated: head.authenticated, context)
            case .ready:
                return HealthEndpoints.health(
                    ready: true, authenticated: head.authenticated, context, facts: server.facts, strictReload: server.configuration.strictReload)
            case .metrics: return MetricsEndpoint.respond(server, allocator: allocator)
            case .openAPI: return OpenAPIDocument.response(context)
            case .invalidPath(let problem): return problem.restError.response(allocator: allocator)
            case .rest: return ErrorResponse.make(.notFound, code: "not_found", detail: "no endpoint at \(head.uri)", allocator: allocator)
            case .methodNotAllowed(let allow):
                var response = ErrorResponse.make(.methodNotAllowed, code: "method_not_allowed", detail: "use \(allow) for \(head.uri)", allocator: allocator)
                // RFC 9110 §15.5.6: a 405 must list the allowed methods in `Allow`.
                response.allow = allow
                return response
            case .notFound:
                return ErrorResponse.make(.notFound, code: "not_found", detail: "no endpoint at \(head.method) \(head.uri)", allocator: allocator)
            }
        } catch {
            return rejected(error, head: head, body: body, limits: context.jsonLimits, allocator: allocator)
        }
    }

    private func rejected(_ error: WireError, head: RequestHead, body: ByteBuffer, limits: JSONLimits, allocator: ByteBufferAllocator) -> EndpointResponse {
        server.logger.debug("rejected request body", metadata: ["http.path": "\(head.uri)", "error": "\(error)"])
        return ErrorResponse.wire(Self.confirmingSchemaError(error, body: body, limits: limits), allocator: allocator)
    }

    /// `/authorized_users`: the body is read on the event loop, the answer (which may list
    /// every user of a tenant) is built on the listing queue, so other connections of this
    /// event loop are not held up by it.
    @inline(never)
    private func authorizedUsers(_ body: ByteBuffer, head: RequestHead, allocator: ByteBufferAllocator, eventLoop: any EventLoop) -> DispatchOutcome {
        let limits = JSONLimits(maxDepth: server.configuration.limits.maxJSONDepth, maxBytes: server.configuration.limits.maxBodyBytes)
        let request: AuthorizedUsersRequest
        do throws(WireError) {
            request = try AuthorizedUsersRequest(parsing: body, limits: limits)
        } catch {
            return .immediate(rejected(error, head: head, body: body, limits: limits, allocator: allocator))
        }
        let promise = eventLoop.makePromise(of: EndpointResponse.self)
        let listingQueue = server.listingQueue
        // Waits for the catalog while a restart builds it (succeeds at once otherwise).
        server.facts.whenLoaded(on: eventLoop).whenSuccess { catalog in
            listingQueue.async {
                promise.succeed(QueryEndpoints.authorizedUsers(request, catalog: catalog, allocator: allocator))
            }
        }
        return .deferred(promise.futureResult)
    }

    /// The context for one request, with the snapshot published now.
    private func makeContext(allocator: ByteBufferAllocator, debug: Bool, readiness: Readiness) -> EndpointContext {
        EndpointContext(
            published: server.store.currentBox, allocator: allocator, scratch: scratch, responses: responses,
            limits: server.configuration.limits,
            debug: debug, readiness: readiness, logs: logs)
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

    /// 401 for a missing key, 403 for a wrong one; `nil` when the request may proceed.
    func authenticationFailure(_ verdict: APIKeyAuthenticator.Verdict, allocator: ByteBufferAllocator) -> EndpointResponse? {
        switch verdict {
        case .accepted:
            return nil
        case .missing:
            return ErrorResponse.make(.unauthorized, code: "missing_api_key", detail: "Missing Authorization header", allocator: allocator)
        case .rejected:
            return ErrorResponse.make(
                .forbidden, code: "invalid_api_key",
                detail: "You are not authorized to access this resource, please check your API key.", allocator: allocator)
        }
    }
}
