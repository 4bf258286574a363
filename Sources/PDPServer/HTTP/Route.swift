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
    /// The facts and schema API (`/facts/...`, `/v2/facts/...`, `/v2/schema/...`, `/v2/api-key/scope`).
    case rest(RESTRoute)
    case methodNotAllowed(allow: String)
    case notFound

    /// Matches `uri` (path plus optional `?query`). Returns the route and the raw query.
    static func match(_ method: HTTPMethod, _ uri: String) -> (route: Route, query: Substring) {
        let path: Substring
        let query: Substring
        if let mark = uri.firstIndex(of: "?") {
            path = uri[..<mark]
            query = uri[uri.index(after: mark)...]
        } else {
            path = uri[...]
            query = ""
        }
        let route: Route
        switch path {
        case "/allowed": route = method == .POST ? .allowed : .methodNotAllowed(allow: "POST")
        case "/allowed/bulk": route = method == .POST ? .allowedBulk : .methodNotAllowed(allow: "POST")
        case "/allowed/all-tenants": route = method == .POST ? .allowedAllTenants : .methodNotAllowed(allow: "POST")
        case "/user-permissions": route = method == .POST ? .userPermissions : .methodNotAllowed(allow: "POST")
        case "/authorized_users": route = method == .POST ? .authorizedUsers : .methodNotAllowed(allow: "POST")
        case "/user-tenants": route = method == .POST ? .userTenants : .methodNotAllowed(allow: "POST")
        case "/local/role_assignments": route = method == .GET ? .localRoleAssignments : .methodNotAllowed(allow: "GET")
        case "/health", "/healthy": route = method == .GET || method == .HEAD ? .health : .methodNotAllowed(allow: "GET, HEAD")
        case "/ready": route = method == .GET || method == .HEAD ? .ready : .methodNotAllowed(allow: "GET, HEAD")
        default: route = RESTRoute.match(path).map { .rest($0) } ?? .notFound
        }
        return (route, query)
    }

    /// Health probes are open to orchestrators; everything else needs the API key.
    var requiresAuthentication: Bool {
        switch self {
        case .health, .ready: false
        default: true
        }
    }
}
