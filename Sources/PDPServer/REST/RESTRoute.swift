// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// The facts and schema API routes, matched from the path after the decision routes (so the
/// hot path pays nothing for them). Facts live under `/v2/facts/{proj}/{env}/` and
/// `/facts/` (the project and environment segments are ignored: one environment); schema
/// under `/v2/schema/{proj}/{env}/`.
enum RESTRoute: Equatable {
    case scope
    case users
    case user(String)
    case userRoles(String)
    case roleAssignments
    case roleAssignmentsBulk
    case tenants
    case tenant(String)
    /// `tenants/{tenant}/users`: the users holding a role in the tenant.
    case tenantUsers(String)
    /// `tenants/{tenant}/users/{user}`: DELETE removes the user's roles in the tenant.
    case tenantUser(String, String)
    /// `bulk/users`: create (POST), replace (PUT) or delete (DELETE) many users at once.
    case bulkUsers
    /// `bulk/tenants`: create (POST), replace (PUT) or delete (DELETE) many tenants at once.
    case bulkTenants
    case roles
    case role(String)
    case resources
    case resource(String)
    /// `POST /authorized_users`: not a facts route, but answered off the event loop as facts
    /// writes are (see `RequestDispatcher`); matched by `Route`, never by ``match(_:)``.
    case authorizedUsers

    /// The route for `path`, or `nil` when it is not a REST path.
    ///
    /// Segments are percent-decoded strictly (``PercentDecoding``; `+` is itself in a path)
    /// and empty ones are kept, so `users//roles` is an empty user key, not user `roles`. A
    /// single trailing slash is ignored.
    /// - Throws: ``InvalidPath`` (400) for a segment that is not valid percent-encoded UTF-8;
    ///   (422) for an empty key where the route takes one.
    static func match(_ path: Substring) throws(InvalidPath) -> RESTRoute? {
        var raw = path.split(separator: "/", omittingEmptySubsequences: false)
        guard raw.count > 1, raw[0].isEmpty else { return nil }
        raw.removeFirst()
        if raw.count > 1, raw.last?.isEmpty == true { raw.removeLast() }
        var segments: [String] = []
        segments.reserveCapacity(raw.count)
        for segment in raw {
            guard let decoded = PercentDecoding.decode(segment, plusAsSpace: false) else {
                throw InvalidPath(
                    status: 400, location: ["path"],
                    message: "path segment '\(segment.prefix(64))' is not valid percent-encoded UTF-8")
            }
            segments.append(decoded)
        }
        let route: RESTRoute?
        switch segments.first {
        case "facts":
            route = facts(segments.dropFirst())
        case "v2":
            if segments == ["v2", "api-key", "scope"] { return .scope }
            guard segments.count >= 4 else { return nil }
            if segments[1] == "facts" {
                route = facts(segments.dropFirst(4))
            } else if segments[1] == "schema" {
                route = schema(segments.dropFirst(4))
            } else {
                route = nil
            }
        default:
            route = nil
        }
        if let parameter = route?.emptyKeyParameter {
            throw InvalidPath(status: 422, location: ["path", parameter], message: "ensure this value has at least 1 character")
        }
        return route
    }

    /// The FastAPI name of a path parameter that is empty (`user_id`, ...), or `nil`.
    private var emptyKeyParameter: String? {
        switch self {
        case .user(let key), .userRoles(let key): key.isEmpty ? "user_id" : nil
        case .tenant(let key), .tenantUsers(let key): key.isEmpty ? "tenant_id" : nil
        case .tenantUser(let tenant, let user): tenant.isEmpty ? "tenant_id" : user.isEmpty ? "user_id" : nil
        case .role(let key): key.isEmpty ? "role_id" : nil
        case .resource(let key): key.isEmpty ? "resource_id" : nil
        case .scope, .users, .roleAssignments, .roleAssignmentsBulk, .tenants, .bulkUsers, .bulkTenants, .roles, .resources, .authorizedUsers: nil
        }
    }

    private static func facts(_ rest: ArraySlice<String>) -> RESTRoute? {
        let parts = Array(rest)
        switch parts.count {
        case 1:
            switch parts[0] {
            case "users": return .users
            case "role_assignments": return .roleAssignments
            case "tenants": return .tenants
            default: return nil
            }
        case 2:
            switch parts[0] {
            case "users": return .user(parts[1])
            case "tenants": return .tenant(parts[1])
            case "role_assignments": return parts[1] == "bulk" ? .roleAssignmentsBulk : nil
            case "bulk": return parts[1] == "users" ? .bulkUsers : parts[1] == "tenants" ? .bulkTenants : nil
            default: return nil
            }
        case 3:
            if parts[0] == "users" && parts[2] == "roles" { return .userRoles(parts[1]) }
            return parts[0] == "tenants" && parts[2] == "users" ? .tenantUsers(parts[1]) : nil
        case 4:
            return parts[0] == "tenants" && parts[2] == "users" ? .tenantUser(parts[1], parts[3]) : nil
        default:
            return nil
        }
    }

    private static func schema(_ rest: ArraySlice<String>) -> RESTRoute? {
        let parts = Array(rest)
        switch (parts.count, parts.first) {
        case (1, "roles"): return .roles
        case (2, "roles"): return .role(parts[1])
        case (1, "resources"): return .resources
        case (2, "resources"): return .resource(parts[1])
        default: return nil
        }
    }

    /// Methods each route answers, for `405` answers.
    var allowedMethods: [HTTPMethod] {
        switch self {
        case .scope, .roles, .role, .resources, .resource, .tenantUsers: [.GET]
        case .tenantUser: [.DELETE]
        case .bulkUsers, .bulkTenants: [.POST, .PUT, .DELETE]
        case .users, .tenants: [.GET, .POST]
        case .user: [.GET, .PUT, .PATCH, .DELETE]
        case .userRoles, .roleAssignmentsBulk: [.POST, .DELETE]
        case .authorizedUsers: [.POST]
        case .roleAssignments: [.GET, .POST, .DELETE]
        case .tenant: [.GET, .PATCH, .DELETE]
        }
    }
}
