// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPFacts
import PDPStore
import TestSupport
import Testing

/// The listings are kept in step with writes; every page must equal the same page cut from
/// a brute-force sort of the facts (what the endpoints did before).
@Suite struct FactsListingsTests {
    /// Every assignment of both layers, sorted: the reference the pages are checked against.
    static func allAssignments(_ catalog: FactsCatalog, effectiveOnly: Bool) -> [AssignmentKey] {
        var all = Set(catalog.api.assignments.keys).union(catalog.statics.assignments)
        if effectiveOnly {
            all = all.filter { catalog.policy.roleID($0.role) != nil && catalog.tenantExists($0.tenant) }
        }
        return all.sorted()
    }

    static func expectPagesMatch(_ catalog: FactsCatalog, _ filter: AssignmentFilter, effectiveOnly: Bool) {
        let reference = allAssignments(catalog, effectiveOnly: effectiveOnly).filter { key in
            (filter.users.isEmpty || filter.users.contains { FactKey.bytesEqual($0, key.user) })
                && (filter.roles.isEmpty || filter.roles.contains { FactKey.bytesEqual($0, key.role) })
                && (filter.tenants.isEmpty || filter.tenants.contains { FactKey.bytesEqual($0, key.tenant) })
        }
        for perPage in [1, 3, 100] {
            for offset in stride(from: 0, through: reference.count + 1, by: perPage) {
                let page = catalog.assignments(matching: filter, offset: offset, limit: perPage, effectiveOnly: effectiveOnly)
                let expected = Array(reference[min(offset, reference.count)..<min(offset + perPage, reference.count)])
                #expect(page == expected, "filter \(filter), offset \(offset), per page \(perPage)")
            }
        }
    }

    @Test("random writes keep users, tenant members and assignment pages equal to a full sort")
    func randomWrites() throws {
        let engine = try FactsFixtures.engine()
        var generator = SplitMix64(seed: 7)
        let roles = ["viewer", "editor", "admin"]
        for tenant in ["t1", "t2"] {
            FactsFixtures.write(engine, .createTenant(TenantInput(key: tenant, name: tenant)))
        }
        let tenants = ["default", "acme", "t1", "t2"]
        for step in 0..<600 {
            let user = "u\(generator.next() % 40)"
            let role = roles[Int(generator.next() % 3)]
            let tenant = tenants[Int(generator.next() % 4)]
            switch generator.next() % 6 {
            case 0: FactsFixtures.write(engine, .syncUser(UserInput(key: user)))
            case 1: FactsFixtures.write(engine, .deleteUser(key: user))
            case 2: FactsFixtures.write(engine, .unassign([FactsFixtures.assignment(user, role, tenant)], bulk: true))
            case 3: FactsFixtures.write(engine, .removeTenantUser(tenant: tenant, user: user))
            default:
                FactsFixtures.write(engine, .syncUser(UserInput(key: user, roleAssignments: [FactsFixtures.assignment(user, role, tenant)])))
            }
            if step == 300 {
                // A tenant delete cascades to its assignments and members.
                FactsFixtures.write(engine, .deleteTenant(key: "t2"))
                FactsFixtures.write(engine, .createTenant(TenantInput(key: "t2", name: "t2")))
            }
        }
        let catalog = engine.catalog
        let users = Set(catalog.api.users.keys).union(catalog.statics.users.keys).sorted()
        #expect(catalog.users(offset: 0, limit: 1_000).items == users.map(\.string))
        #expect(catalog.users(offset: 5, limit: 7).items == users[5..<12].map(\.string))
        #expect(catalog.users(offset: 0, limit: 1).total == users.count)
        for tenant in tenants {
            let members = Set(Self.allAssignments(catalog, effectiveOnly: false).filter { $0.tenant == tenant }.map { FactKey($0.user) }).sorted()
            let page = catalog.users(inTenant: tenant, offset: 0, limit: 1_000)
            #expect(page.items == members.map(\.string), "tenant \(tenant)")
            #expect(page.total == members.count)
        }
        let filters = [
            AssignmentFilter(),
            AssignmentFilter(users: ["u3", "u1", "yaml-bob"]),
            AssignmentFilter(users: ["u5"], roles: ["viewer"]),
            AssignmentFilter(tenants: ["acme"]),
            AssignmentFilter(roles: ["editor"]),
            AssignmentFilter(roles: ["editor"], tenants: ["t1"]),
            AssignmentFilter(roles: ["viewer", "admin"], tenants: ["default", "t2"]),
            AssignmentFilter(users: ["nobody"]),
        ]
        for filter in filters {
            Self.expectPagesMatch(catalog, filter, effectiveOnly: false)
            Self.expectPagesMatch(catalog, filter, effectiveOnly: true)
        }
        // The snapshot, updated write by write (tenant deletes visiting only their holders),
        // decides as one rebuilt from the facts.
        let (rebuilt, _) = EffectiveFacts.build(base: engine.base, api: catalog.api)
        for user in users.map(\.string) + ["nobody"] {
            #expect(Self.grants(engine.snapshot, user) == Self.grants(rebuilt, user), "user \(user)")
        }
        #expect(engine.snapshot.facts.userCount == rebuilt.facts.userCount)
    }

    /// "tenant:role" for every role `user` holds, or `nil` for an unknown user.
    static func grants(_ snapshot: PolicySnapshot, _ user: String) -> Set<String>? {
        guard let assignments = snapshot.facts.assignments(ofUser: user) else { return nil }
        var result = Set<String>()
        for (tenant, roles) in assignments {
            for role in roles { result.insert("\(snapshot.facts.tenant(tenant)?.key ?? "?"):\(snapshot.policy.roles[role.index].key)") }
        }
        return result
    }

    @Test("after a reload drops a role, /local pages skip its assignments and REST pages keep them")
    func danglingAssignments() throws {
        let engine = try FactsFixtures.engine()
        for index in 0..<30 {
            let role = index % 3 == 0 ? "editor" : "viewer"
            FactsFixtures.write(engine, .syncUser(UserInput(key: "u\(index)", roleAssignments: [FactsFixtures.assignment("u\(index)", role)])))
        }
        let withoutEditor = FactsFixtures.policyYAML
            .replacingOccurrences(of: "  editor:\n    permissions: [task:read, task:write]\n", with: "")
            .replacingOccurrences(of: "extends: [editor]", with: "extends: []")
            .replacingOccurrences(of: "acme: [editor]", with: "acme: [viewer]")
        let dangling = engine.reload(base: try FactsFixtures.snapshot(withoutEditor), now: FactsFixtures.time)
        #expect(dangling.count == 10)
        let catalog = engine.catalog
        #expect(catalog.dangling.count == 10)
        for filter in [AssignmentFilter(), AssignmentFilter(tenants: ["default"]), AssignmentFilter(roles: ["editor"]), AssignmentFilter(users: ["u3", "u4"])] {
            Self.expectPagesMatch(catalog, filter, effectiveOnly: true)
            Self.expectPagesMatch(catalog, filter, effectiveOnly: false)
        }
        // Deleting a user drops its dangling assignment from the listings too.
        FactsFixtures.write(engine, .deleteUser(key: "u3"))
        #expect(engine.catalog.dangling.count == 9)
        Self.expectPagesMatch(engine.catalog, AssignmentFilter(), effectiveOnly: true)
    }

    @Test("authorized users walk one tenant's assignments and give the granting roles, sorted")
    func authorizedUsers() throws {
        let engine = try FactsFixtures.engine()
        FactsFixtures.write(engine, .syncUser(UserInput(key: "carol", roleAssignments: [FactsFixtures.assignment("carol", "viewer", "acme")])))
        FactsFixtures.write(engine, .syncUser(UserInput(key: "dan", roleAssignments: [FactsFixtures.assignment("dan", "admin", "acme"), FactsFixtures.assignment("dan", "editor", "acme")])))
        let catalog = engine.catalog
        #expect(catalog.authorizedUsers(action: "write", resourceType: "task", tenant: "acme") == [
            AuthorizedUser(user: "dan", roles: ["admin", "editor"]), AuthorizedUser(user: "yaml-bob", roles: ["editor"]),
        ])
        #expect(catalog.authorizedUsers(action: "read", resourceType: "task", tenant: "acme").map(\.user) == ["carol", "dan", "yaml-bob"])
        #expect(catalog.authorizedUsers(action: "read", resourceType: "task", tenant: "nowhere").isEmpty)
        #expect(engine.snapshot.authorizedUsers(action: "read", resourceType: "task", tenant: "acme") == catalog.authorizedUsers(action: "read", resourceType: "task", tenant: "acme"))
    }
}
