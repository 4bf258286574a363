// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPServer
import PDPFacts
import Testing

/// Path ids, tenant users and bulk users/tenants of the facts API, over loopback.
@Suite struct FactsGapsTests {
    static func json(_ response: HTTPResponse) throws -> [String: Any] {
        try response.jsonObject()
    }

    func allowed(_ client: RawHTTPClient, _ user: String, _ action: String, tenant: String? = nil) throws -> Bool {
        let response = try client.roundTrip(.check(user, action, "task", tenant: tenant))
        return try Self.json(response)["allow"] as? Bool ?? false
    }

    @Test("path ids may be stable ids or keys: users, user roles, tenants, roles, resources")
    func pathIDs() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let created = try Self.json(try client.roundTrip(.post("/facts/users", #"{"key":"ida","email":"i@example.com"}"#)))
            let id = try #require(created["id"] as? String)
            #expect(id == StableID.id("user", "ida"))
            let byID = try client.roundTrip(.get("/v2/facts/p/e/users/\(id)"))
            #expect(byID.status == 200)
            #expect(try Self.json(byID)["key"] as? String == "ida")
            #expect(try Self.json(try client.roundTrip(.get("/facts/users/\(id.uppercased())")))["key"] as? String == "ida")
            let patched = try client.roundTrip(.make("PATCH", "/facts/users/\(id)", body: #"{"first_name":"Ida"}"#))
            #expect(try Self.json(patched)["key"] as? String == "ida")
            #expect(try client.roundTrip(.post("/facts/users/\(id)/roles", #"{"role":"admin","tenant":"default"}"#)).status == 201)
            #expect(try allowed(client, "ida", "readall"))
            // A YAML user by id.
            let alice = try client.roundTrip(.get("/facts/users/\(StableID.id("user", "alice"))"))
            #expect(try Self.json(alice)["key"] as? String == "alice")
            // Tenants: API and YAML.
            let tenant = try Self.json(try client.roundTrip(.post("/facts/tenants", #"{"key":"tid","name":"T"}"#)))
            let tenantID = try #require(tenant["id"] as? String)
            #expect(try Self.json(try client.roundTrip(.get("/facts/tenants/\(tenantID)")))["key"] as? String == "tid")
            #expect(try Self.json(try client.roundTrip(.get("/facts/tenants/\(StableID.id("tenant", "acme"))")))["key"] as? String == "acme")
            // Schema.
            let role = try client.roundTrip(.get("/v2/schema/p/e/roles/\(StableID.id("role", "admin"))"))
            #expect(try Self.json(role)["key"] as? String == "admin")
            let resource = try client.roundTrip(.get("/v2/schema/p/e/resources/\(StableID.id("resource", "task"))"))
            #expect(try Self.json(resource)["key"] as? String == "task")
            // Deletes by id; then the id no longer resolves.
            #expect(try client.roundTrip(.make("DELETE", "/facts/tenants/\(tenantID)")).status == 204)
            #expect(try client.roundTrip(.get("/facts/tenants/\(tenantID)")).status == 404)
            #expect(try client.roundTrip(.make("DELETE", "/facts/users/\(id)")).status == 204)
            #expect(try client.roundTrip(.get("/facts/users/\(id)")).status == 404)
            #expect(try client.roundTrip(.get("/facts/users/\(StableID.id("user", "nobody"))")).status == 404)
        }
    }

    @Test("a key that looks like a UUID wins over an id")
    func uuidShapedKey() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let ghost = StableID.id("user", "ghost")
            _ = try client.roundTrip(.post("/facts/users", #"{"key":"ghost"}"#))
            _ = try client.roundTrip(.post("/facts/users", #"{"key":"\#(ghost)"}"#))
            #expect(try Self.json(try client.roundTrip(.get("/facts/users/\(ghost)")))["key"] as? String == ghost)
        }
    }

    @Test("tenants/{t}/users lists the users holding a role there; DELETE tenants/{t}/users/{u} removes their roles there")
    func tenantUsers() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            _ = try client.roundTrip(.post("/facts/tenants", #"{"key":"tu","name":"T"}"#))
            for user in ["tu-a", "tu-b", "tu-c"] {
                _ = try client.roundTrip(.post("/facts/users", #"{"key":"\#(user)","role_assignments":[{"role":"viewer","tenant":"tu"},{"role":"admin","tenant":"tu"}]}"#))
            }
            _ = try client.roundTrip(.post("/facts/users", #"{"key":"tu-other","role_assignments":[{"role":"viewer","tenant":"default"}]}"#))
            let page = try Self.json(try client.roundTrip(.get("/v2/facts/p/e/tenants/tu/users?page=1&per_page=2")))
            #expect((page["data"] as? [[String: Any]])?.map { $0["key"] as? String } == ["tu-a", "tu-b"])
            #expect(page["total_count"] as? Int == 3)
            #expect(page["page_count"] as? Int == 2)
            let acme = try Self.json(try client.roundTrip(.get("/facts/tenants/acme/users")))
            #expect((acme["data"] as? [[String: Any]])?.map { $0["key"] as? String } == ["bob"])
            #expect(try client.roundTrip(.get("/facts/tenants/nowhere/users")).status == 404)
            #expect(try allowed(client, "tu-a", "read", tenant: "tu"))
            #expect(try client.roundTrip(.make("DELETE", "/facts/tenants/tu/users/tu-a")).status == 204)
            #expect(try !allowed(client, "tu-a", "read", tenant: "tu"))
            let after = try Self.json(try client.roundTrip(.get("/facts/tenants/tu/users")))
            #expect((after["data"] as? [[String: Any]])?.map { $0["key"] as? String } == ["tu-b", "tu-c"])
            #expect(try client.roundTrip(.make("DELETE", "/facts/tenants/acme/users/bob")).status == 403)
            #expect(try client.roundTrip(.make("DELETE", "/facts/tenants/tu/users/nobody")).status == 404)
            #expect(try client.roundTrip(.get("/facts/tenants/tu/users/tu-b")).status == 405)
        }
    }

    @Test("bulk users: create, replace and delete (by key or id), each all or nothing")
    func bulkUsers() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let created = try client.roundTrip(.post("/v2/facts/p/e/bulk/users", #"{"operations":[{"key":"bu-1","email":"one@example.com"},{"key":"bu-2","role_assignments":[{"role":"admin"}]}]}"#))
            #expect(created.status == 200)
            #expect(try Self.json(created).isEmpty)
            #expect(try allowed(client, "bu-2", "readall"))
            let replaced = try client.roundTrip(.make("PUT", "/facts/bulk/users", body: #"{"operations":[{"key":"bu-1","first_name":"B"},{"key":"bu-3"}]}"#))
            #expect(replaced.status == 200)
            let one = try Self.json(try client.roundTrip(.get("/facts/users/bu-1")))
            #expect(one["first_name"] as? String == "B")
            #expect(one["email"] is NSNull, "PUT replaces: absent fields are cleared")
            #expect(try client.roundTrip(.get("/facts/users/bu-3")).status == 200)
            // One bad operation (unknown role): nothing is written.
            let refused = try client.roundTrip(.post("/facts/bulk/users", #"{"operations":[{"key":"bu-4"},{"key":"bu-5","role_assignments":[{"role":"owner"}]}]}"#))
            #expect(refused.status == 404)
            #expect(try client.roundTrip(.get("/facts/users/bu-4")).status == 404)
            #expect(try client.roundTrip(.post("/facts/bulk/users", #"{"operations":[{"email":"x@example.com"}]}"#)).status == 422)
            // Deleting a YAML user refuses the whole request.
            let mixed = try client.roundTrip(.make("DELETE", "/facts/bulk/users", body: #"{"idents":["bu-1","alice"]}"#))
            #expect(mixed.status == 403)
            #expect(try client.roundTrip(.get("/facts/users/bu-1")).status == 200)
            let deleted = try client.roundTrip(.make("DELETE", "/facts/bulk/users", body: #"{"idents":["bu-1","\#(StableID.id("user", "bu-2"))"]}"#))
            #expect(deleted.status == 200)
            #expect(try client.roundTrip(.get("/facts/users/bu-1")).status == 404)
            #expect(try client.roundTrip(.get("/facts/users/bu-2")).status == 404)
            #expect(try !allowed(client, "bu-2", "readall"))
        }
    }

    @Test("bulk tenants: create (409 if any exists, nothing written), replace, delete by key or id")
    func bulkTenants() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let created = try client.roundTrip(.post("/facts/bulk/tenants", #"{"operations":[{"key":"bt-1","name":"One"},{"key":"bt-2","name":"Two"}]}"#))
            #expect(created.status == 200)
            #expect(try Self.json(try client.roundTrip(.get("/facts/tenants/bt-2")))["name"] as? String == "Two")
            let duplicate = try client.roundTrip(.post("/facts/bulk/tenants", #"{"operations":[{"key":"bt-3","name":"Three"},{"key":"bt-1","name":"Again"}]}"#))
            #expect(duplicate.status == 409)
            #expect(try client.roundTrip(.get("/facts/tenants/bt-3")).status == 404)
            let replaced = try client.roundTrip(.make("PUT", "/facts/bulk/tenants", body: #"{"operations":[{"key":"bt-1","name":"Uno"},{"key":"bt-3","name":"Tres"}]}"#))
            #expect(replaced.status == 200)
            #expect(try Self.json(try client.roundTrip(.get("/facts/tenants/bt-1")))["name"] as? String == "Uno")
            #expect(try client.roundTrip(.make("PUT", "/facts/bulk/tenants", body: #"{"operations":[{"key":"acme","name":"X"}]}"#)).status == 403)
            let deleted = try client.roundTrip(.make("DELETE", "/facts/bulk/tenants", body: #"{"idents":["bt-1","\#(StableID.id("tenant", "bt-2"))"]}"#))
            #expect(deleted.status == 200)
            #expect(try client.roundTrip(.get("/facts/tenants/bt-1")).status == 404)
            #expect(try client.roundTrip(.get("/facts/tenants/bt-2")).status == 404)
            #expect(try client.roundTrip(.make("DELETE", "/facts/bulk/tenants", body: #"{"idents":["bt-3","nowhere"]}"#)).status == 404)
            #expect(try client.roundTrip(.get("/facts/tenants/bt-3")).status == 200)
        }
    }
}
