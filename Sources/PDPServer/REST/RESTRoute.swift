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
    static func match(_ path: Substring) -> RESTRoute? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { QueryParameters.decode($0) }
        switch segments.first {
        case "facts":
            return facts(segments.dropFirst())
        case "v2":
            if segments == ["v2", "api-key", "scope"] { return .scope }
            guard segments.count >= 4 else { return nil }
            if segments[1] == "facts" { return facts(segments.dropFirst(4)) }
            if segments[1] == "schema" { return schema(segments.dropFirst(4)) }
            return nil
        default:
            return nil
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
