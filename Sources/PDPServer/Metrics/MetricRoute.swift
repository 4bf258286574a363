// SPDX-License-Identifier: Apache-2.0

/// The `route` label of the request metrics and the access log: one per endpoint family, a
/// small fixed set, so the per-loop tables (``LoopMetrics``) are arrays indexed by it and a
/// label never carries a user's key or any other part of a path.
enum MetricRoute: Int, CaseIterable, Sendable {
    case allowed
    case allowedBulk
    case allowedAllTenants
    case userPermissions
    case authorizedUsers
    case userTenants
    case localRoleAssignments
    case health
    case ready
    case metrics
    case openAPI
    /// The facts and schema API (`/facts/...`, `/v2/...`).
    case facts
    /// Anything else: unknown paths, wrong methods, malformed requests.
    case other

    // Borrowed, and no payload bound: copying a `Route` (its REST payloads are strings) cost
    // the `/allowed` path 60 instructions.
    @inline(__always)
    init(_ route: borrowing Route) {
        switch route {
        case .allowed: self = .allowed
        case .allowedBulk: self = .allowedBulk
        case .allowedAllTenants: self = .allowedAllTenants
        case .userPermissions: self = .userPermissions
        case .authorizedUsers: self = .authorizedUsers
        case .userTenants: self = .userTenants
        case .localRoleAssignments: self = .localRoleAssignments
        case .health: self = .health
        case .ready: self = .ready
        case .metrics: self = .metrics
        case .openAPI: self = .openAPI
        case .rest(.authorizedUsers): self = .authorizedUsers
        case .rest: self = .facts
        default: self = .other
        }
    }

    /// The label value: the endpoint's path, or a family name.
    var label: String {
        switch self {
        case .allowed: "/allowed"
        case .allowedBulk: "/allowed/bulk"
        case .allowedAllTenants: "/allowed/all-tenants"
        case .userPermissions: "/user-permissions"
        case .authorizedUsers: "/authorized_users"
        case .userTenants: "/user-tenants"
        case .localRoleAssignments: "/local/role_assignments"
        case .health: "/healthy"
        case .ready: "/ready"
        case .metrics: "/metrics"
        case .openAPI: "/openapi.json"
        case .facts: "facts_api"
        case .other: "other"
        }
    }
}

/// The status codes the request counters tell apart; any other counts as `other`.
enum MetricStatus {
    static let codes: [Int] = [200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 413, 422, 429, 431, 500, 501, 503]
    /// Slots: one per code in ``codes``, then one for any other code.
    static let count = codes.count + 1

    /// The slot of `code`: a jump table, no lookup.
    @inline(__always)
    static func slot(_ code: UInt) -> Int {
        switch code {
        case 200: 0
        case 201: 1
        case 204: 2
        case 400: 3
        case 401: 4
        case 403: 5
        case 404: 6
        case 405: 7
        case 408: 8
        case 409: 9
        case 413: 10
        case 422: 11
        case 429: 12
        case 431: 13
        case 500: 14
        case 501: 15
        case 503: 16
        default: 17
        }
    }

    /// The label value of a slot.
    static func label(_ slot: Int) -> String { slot < codes.count ? String(codes[slot]) : "other" }
}
