// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOHTTP1

/// The facts calls an application makes (Permit's `api.users.*`, `api.role_assignments.list`).
/// They go to ``PDPClientConfiguration/apiURL`` (default: the PDP URL).
extension PDPClient {
    /// Creates or replaces the user `key` (`PUT users/{key}`, Permit's `users.sync`).
    ///
    /// - Throws: ``PDPClientError/rejected(status:code:message:)`` when the facts API refuses
    ///   it (422 for an invalid e-mail, 403 when the PDP's policy files declare the user), and
    ///   the transport failures of ``check(_:)``.
    @discardableResult
    public func syncUser(
        key: String, email: String? = nil, firstName: String? = nil, lastName: String? = nil,
        attributes: [String: PDPValue]? = nil
    ) async throws(PDPClientError) -> PDPUserRecord {
        let body = WireBodies.UserSync(
            key: key, email: email, first_name: firstName, last_name: lastName, attributes: attributes)
        return try await facts(.PUT, "/users/\(Self.segment(key))", body: body, success: [200, 201])
    }

    /// Deletes the user `key` and its role assignments (`DELETE users/{key}`).
    ///
    /// - Throws: ``PDPClientError/rejected(status:code:message:)`` with 404 for an unknown
    ///   user (see ``PDPClientError/isNotFound``), and the transport failures of ``check(_:)``.
    public func deleteUser(key: String) async throws(PDPClientError) {
        try await factsWithoutAnswer(.DELETE, "/users/\(Self.segment(key))", body: Optional<Int>.none)
    }

    /// Gives `user` the role `role` in `tenant` (default: the configured tenant).
    ///
    /// - Throws: ``PDPClientError/rejected(status:code:message:)`` with 404 for an unknown
    ///   user, role or tenant, and the transport failures of ``check(_:)``.
    public func assignRole(user: String, role: String, tenant: String? = nil) async throws(PDPClientError) {
        let body = WireBodies.RoleChange(role: role, tenant: tenant ?? configuration.defaultTenant)
        try await factsWithoutAnswer(.POST, "/users/\(Self.segment(user))/roles", body: body)
    }

    /// Takes the role `role` in `tenant` from `user`. Removing a role the user does not hold
    /// succeeds.
    ///
    /// - Throws: ``PDPClientError/rejected(status:code:message:)`` (404 for an unknown user;
    ///   403 when the PDP's policy files give the role), and the transport failures.
    public func unassignRole(user: String, role: String, tenant: String? = nil) async throws(PDPClientError) {
        let body = WireBodies.RoleChange(role: role, tenant: tenant ?? configuration.defaultTenant)
        try await factsWithoutAnswer(.DELETE, "/users/\(Self.segment(user))/roles", body: body)
    }

    /// Lists role assignments (`GET role_assignments`), filtered by any of users, role and
    /// tenant; one page of at most `perPage` (1...100) entries.
    ///
    /// - Throws: the transport failures of ``check(_:)``, or
    ///   ``PDPClientError/rejected(status:code:message:)``.
    public func roleAssignments(
        users: [String] = [], role: String? = nil, tenant: String? = nil, page: Int = 1, perPage: Int = 100
    ) async throws(PDPClientError) -> [PDPRoleAssignment] {
        var query = ["page=\(max(1, page))", "per_page=\(min(100, max(1, perPage)))"]
        query += users.map { "user=\(Self.segment($0))" }
        if let role { query.append("role=\(Self.segment(role))") }
        if let tenant { query.append("tenant=\(Self.segment(tenant))") }
        return try await facts(.GET, "/role_assignments?" + query.joined(separator: "&"), body: Optional<Int>.none, success: [200])
    }

    /// Every role assignment of `users` (all pages), or of everyone when `users` is empty.
    ///
    /// - Throws: as ``roleAssignments(users:role:tenant:page:perPage:)``.
    public func allRoleAssignments(users: [String] = [], tenant: String? = nil) async throws(PDPClientError) -> [PDPRoleAssignment] {
        var all: [PDPRoleAssignment] = []
        var page = 1
        while true {
            let batch = try await roleAssignments(users: users, tenant: tenant, page: page, perPage: 100)
            all += batch
            if batch.count < 100 || page >= 1_000 { return all }
            page += 1
        }
    }

    // MARK: - Plumbing

    func facts<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, success: Set<Int>
    ) async throws(PDPClientError) -> Answer {
        let (status, answer) = try await factsExchange(method, path, body: body)
        guard success.contains(status) else { throw Self.failure(status: status, body: answer, decision: false) }
        return try Self.decode(Answer.self, from: answer, status: status)
    }

    func factsWithoutAnswer<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body?) async throws(PDPClientError) {
        let (status, answer) = try await factsExchange(method, path, body: body)
        guard (200..<300).contains(status) else { throw Self.failure(status: status, body: answer, decision: false) }
    }

    private func factsExchange<Body: Encodable>(
        _ method: HTTPMethod, _ path: String, body: Body?
    ) async throws(PDPClientError) -> (Int, Data) {
        let prefix = try await factsBase()
        var data: Data?
        if let body {
            do { data = try JSONEncoder().encode(body) } catch {
                throw .badAnswer(status: 0, detail: "request not encodable: \(error)")
            }
        }
        return try await send(method, prefix + path, body: data)
    }

    /// `{apiURL}/v2/facts/{project}/{environment}`, the ids looked up once (as Permit's SDKs
    /// do), or `{apiURL}/facts` with ``PDPClientConfiguration/FactsRouting/pdpProxy``.
    private func factsBase() async throws(PDPClientError) -> String {
        if let known = factsPrefix.withLockedValue({ $0 }) { return known }
        let base = configuration.effectiveAPIURL
        let (status, body) = try await send(.GET, base + "/v2/api-key/scope", body: nil)
        guard status == 200 else { throw Self.failure(status: status, body: body, decision: false) }
        let scope = try Self.decode(WireBodies.Scope.self, from: body, status: status)
        guard let project = scope.project_id, let environment = scope.environment_id else {
            throw .badAnswer(status: status, detail: "the API key is not scoped to an environment")
        }
        let prefix = "\(base)/v2/facts/\(Self.segment(project))/\(Self.segment(environment))"
        factsPrefix.withLockedValue { $0 = prefix }
        return prefix
    }
}
