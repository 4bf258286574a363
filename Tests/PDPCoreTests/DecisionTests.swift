// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing

@Suite struct DecisionTests {
    let snapshot: PolicySnapshot

    init() throws { snapshot = try PolicyCompiler.compileForTest(.tasks()) }

    struct Case: Sendable, CustomTestStringConvertible {
        var user: String
        var action: String
        var type = "task"
        var tenant: String? = nil
        var expected: DecisionOutcome
        var testDescription: String { "\(user) \(action) \(type) in \(tenant ?? "default") -> \(expected)" }
    }

    @Test(
        "decisions and deny reasons",
        arguments: [
            Case(user: "vera", action: "read", expected: .allowed),
            Case(user: "vera", action: "readall", expected: .notGranted),
            Case(user: "ada", action: "readall", expected: .allowed),
            Case(user: "ada", action: "create", expected: .allowed),
            Case(user: "ada", action: "read", type: "analytics", expected: .allowed),
            Case(user: "ada", action: "readall", tenant: "acme", expected: .notGranted),
            Case(user: "ada", action: "read", tenant: "acme", expected: .allowed),
            Case(user: "vera", action: "read", tenant: "acme", expected: .noRoleInTenant),
            Case(user: "nora", action: "read", expected: .noRoleInTenant),
            Case(user: "nobody", action: "read", expected: .unknownUser),
            Case(user: "vera", action: "read", tenant: "mars", expected: .unknownTenant),
            Case(user: "vera", action: "read", type: "ghost", expected: .unknownResourceType),
            Case(user: "vera", action: "fly", expected: .unknownAction),
            Case(user: "vera", action: "readall", type: "analytics", expected: .unknownAction),
        ])
    func decide(_ c: Case) {
        let request = AccessRequest(user: c.user, action: c.action, resourceType: c.type, tenant: c.tenant)
        #expect(snapshot.decide(request) == c.expected)
        #expect(snapshot.explain(request).outcome == c.expected)
    }

    @Test("the explicit default tenant and no tenant decide alike")
    func defaultTenant() {
        let a = AccessRequest(user: "vera", action: "read", resourceType: "task", tenant: "default")
        let b = AccessRequest(user: "vera", action: "read", resourceType: "task")
        #expect(snapshot.decide(a) == snapshot.decide(b))
    }

    @Test("bulk answers keep input order")
    func bulkOrder() {
        let requests = (0..<50).map { i in
            AccessRequest(user: i.isMultiple(of: 3) ? "ada" : "vera", action: i.isMultiple(of: 2) ? "readall" : "read", resourceType: "task")
        }
        let answers = snapshot.decide(requests)
        #expect(answers.count == 50)
        for (request, answer) in zip(requests, answers) { #expect(answer == snapshot.decide(request)) }
    }

    @Test("explanations name the granting role and the inheritance path")
    func explanation() {
        let allowed = snapshot.explain(AccessRequest(user: "ada", action: "read", resourceType: "task"))
        #expect(allowed.grantingRoles == [["admin", "viewer"]])
        #expect(allowed.summary.contains("'admin' (via 'viewer')"))
        let denied = snapshot.explain(AccessRequest(user: "vera", action: "deleteany", resourceType: "task"))
        #expect(denied.heldRoles == ["viewer"])
        #expect(denied.rolesThatWouldGrant == ["admin"])
        #expect(denied.summary.hasPrefix("denied:"))
    }

    @Test("user permissions per tenant, with filters")
    func permissions() {
        let all = snapshot.permissions(ofUser: "ada")
        #expect(all.map(\.tenant.key) == ["acme", "default"])
        #expect(all[0].roles == ["viewer"])
        #expect(all[0].permissions == ["task:create", "task:read", "task:update", "task:delete"])
        #expect(all[1].permissions.count == 9)
        let filtered = snapshot.permissions(ofUser: "ada", tenants: ["default"], resourceTypes: ["analytics"])
        #expect(filtered.count == 1)
        #expect(filtered[0].permissions == ["analytics:read"])
        #expect(snapshot.permissions(ofUser: "nobody").isEmpty)
    }

    @Test("authorized users, allowed tenants and role assignments")
    func listings() {
        #expect(snapshot.authorizedUsers(action: "read", resourceType: "task").map(\.user) == ["ada", "vera"])
        #expect(snapshot.authorizedUsers(action: "readall", resourceType: "task").map(\.roles) == [["admin"]])
        #expect(snapshot.authorizedUsers(action: "read", resourceType: "task", tenant: "acme").map(\.user) == ["ada"])
        #expect(snapshot.authorizedUsers(action: "fly", resourceType: "task").isEmpty)
        #expect(snapshot.allowedTenants(user: "ada", action: "read", resourceType: "task").map(\.key) == ["acme", "default"])
        #expect(snapshot.allowedTenants(user: "ada", action: "readall", resourceType: "task").map(\.key) == ["default"])
        #expect(snapshot.roleAssignments().count == 3)
        #expect(snapshot.roleAssignments(user: "ada", tenant: "acme") == [RoleAssignment(user: "ada", role: "viewer", tenant: "acme")])
    }

    @Test("facts change incrementally and old snapshots stay as they were")
    func incrementalFacts() throws {
        let admin = try #require(snapshot.policy.roleID("admin"))
        let viewer = try #require(snapshot.policy.roleID("viewer"))
        let readall = AccessRequest(user: "vera", action: "readall", resourceType: "task")
        let updated = snapshot.updatingFacts { facts in
            facts.assign(user: "vera", role: admin, tenant: facts.defaultTenant)
            facts.unassign(user: "ada", role: viewer, tenant: facts.tenantID("acme")!)
            facts.addUser("newcomer")
            let beta = facts.upsertTenant(key: "beta", name: "Beta")
            facts.assign(user: "newcomer", role: viewer, tenant: beta)
        }
        #expect(updated.decide(readall) == .allowed)
        #expect(snapshot.decide(readall) == .notGranted)
        #expect(updated.decide(AccessRequest(user: "ada", action: "read", resourceType: "task", tenant: "acme")) == .noRoleInTenant)
        #expect(updated.decide(AccessRequest(user: "newcomer", action: "read", resourceType: "task", tenant: "beta")) == .allowed)
        let removed = updated.updatingFacts { facts in
            facts.removeTenant(key: "beta")
            facts.removeUser("vera")
        }
        #expect(removed.decide(AccessRequest(user: "newcomer", action: "read", resourceType: "task", tenant: "beta")) == .unknownTenant)
        #expect(removed.decide(readall) == .unknownUser)
        #expect(updated.decide(readall) == .allowed)
    }
}
