// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// Every endpoint `pdp serve` answers, matched once per request from method and path.
enum Route: Equatable {
    case allowed
    case allowedBulk
    case allowedAllTenants
    case userPermissions
    case authorizedUsers
    case userTenants
    case localRoleAssignments
    case health
    case ready
    /// `GET /metrics`: Prometheus text.
    case metrics
    /// `GET /openapi.json`: this server's OpenAPI document.
    case openAPI
    /// The facts and schema API (`/facts/...`, `/v2/facts/...`, `/v2/schema/...`, `/v2/api-key/scope`).
    case rest(RESTRoute)
    /// A REST path with an undecodable segment or an empty key (400 or 422). Indirect: it is
    /// rare, and keeps `Route` as small as the hot path wants it.
    indirect case invalidPath(InvalidPath)
    case methodNotAllowed(allow: String)
    case notFound

    /// Matches a request target given as bytes, with `uri` the same target as a `String`.
    /// A decision or probe path without a query is matched on the bytes alone; everything
    /// else goes through ``match(_:_:)``.
    static func match(_ method: HTTPMethod, target: UnsafeRawBufferPointer, uri: String) -> (route: Route, query: Substring) {
        if target.firstIndex(of: UInt8(ascii: "?")) == nil, let fixed = fixedRoute(method, target) {
            return (fixed, "")
        }
        return match(method, uri)
    }

    /// Matches `uri` (path plus optional `?query`). Returns the route and the raw query.
    ///
    /// Works on the UTF-8 bytes: `firstIndex(of:)` and `Substring` comparisons walk grapheme
    /// clusters, which cost more than the rest of routing on the `/allowed` hot path.
    static func match(_ method: HTTPMethod, _ uri: String) -> (route: Route, query: Substring) {
        var uri = uri
        let (pathLength, fixed) = uri.withUTF8 { utf8 -> (Int, Route?) in
            let bytes = UnsafeRawBufferPointer(utf8)
            let length = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
            return (length, fixedRoute(method, UnsafeRawBufferPointer(rebasing: bytes[..<length])))
        }
        let pathEnd = uri.utf8.index(uri.startIndex, offsetBy: pathLength)
        let query = pathEnd < uri.endIndex ? uri[uri.utf8.index(after: pathEnd)...] : ""
        if let fixed { return (fixed, query) }
        do {
            return (try RESTRoute.match(uri[..<pathEnd]).map { .rest($0) } ?? .notFound, query)
        } catch {
            return (.invalidPath(error), query)
        }
    }

    /// The decision, query and probe endpoints, matched on the path bytes; `nil` for others.
    private static func fixedRoute(_ method: HTTPMethod, _ path: UnsafeRawBufferPointer) -> Route? {
        func equals(_ literal: StaticString) -> Bool {
            path.count == literal.utf8CodeUnitCount
                && path.elementsEqual(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }
        let post = method.isPOST
        let get = method.isGET || method.isHEAD
        if equals("/allowed") { return post ? .allowed : .methodNotAllowed(allow: "POST") }
        if equals("/allowed/bulk") { return post ? .allowedBulk : .methodNotAllowed(allow: "POST") }
        if equals("/allowed/all-tenants") { return post ? .allowedAllTenants : .methodNotAllowed(allow: "POST") }
        if equals("/user-permissions") { return post ? .userPermissions : .methodNotAllowed(allow: "POST") }
        // A REST route so that its deferred answer (built off the event loop) costs the
        // decision routes nothing in the dispatcher.
        if equals("/authorized_users") { return post ? .rest(.authorizedUsers) : .methodNotAllowed(allow: "POST") }
        if equals("/user-tenants") { return post ? .userTenants : .methodNotAllowed(allow: "POST") }
        if equals("/local/role_assignments") { return method.isGET ? .localRoleAssignments : .methodNotAllowed(allow: "GET") }
        if equals("/health") || equals("/healthy") { return get ? .health : .methodNotAllowed(allow: "GET, HEAD") }
        if equals("/ready") { return get ? .ready : .methodNotAllowed(allow: "GET, HEAD") }
        if equals("/metrics") { return get ? .metrics : .methodNotAllowed(allow: "GET, HEAD") }
        // Last: the decision routes above are compared first and never pay for this one.
        if equals("/openapi.json") { return get ? .openAPI : .methodNotAllowed(allow: "GET, HEAD") }
        return nil
    }

    /// Health probes are open to orchestrators; everything else needs the API key (`/metrics`
    /// too, unless ``ServerConfiguration/metricsUnauthenticated``: see
    /// `ConnectionHandler.startRequest`).
    var requiresAuthentication: Bool {
        switch self {
        case .health, .ready: false
        default: true
        }
    }
}

extension HTTPMethod {
    // Pattern matches, not `==`: NIO's `HTTPMethod` is `RawRepresentable`, and its `==`
    // compares `rawValue` strings, which showed up in the `/allowed` profile.
    var isGET: Bool { if case .GET = self { true } else { false } }
    var isHEAD: Bool { if case .HEAD = self { true } else { false } }
    var isPOST: Bool { if case .POST = self { true } else { false } }
}
