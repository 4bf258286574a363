// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The facts API over loopback, as Node, Go and raw clients use it.
@Suite struct FactsAPITests {
    static func json(_ response: HTTPResponse) throws -> [String: Any] {
        try response.jsonObject()
    }

    func allowed(_ client: RawHTTPClient, _ user: String, _ action: String, tenant: String? = nil) throws -> Bool {
        let response = try client.roundTrip(.check(user, action, "task", tenant: tenant))
        return try Self.json(response)["allow"] as? Bool ?? false
    }

    @Test("PUT /users/{key} answers 201 when it creates the user and 200 when it replaces it (Node's `created`)")
    func putCreatesThenReplaces() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let first = try client.roundTrip(.make("PUT", "/v2/facts/p/e/users/nina", body: #"{"key":"nina","email":"n@example.com","first_name":"Nina"}"#))
            #expect(first.status == 201, "\(first.bodyText)")
            let user = try Self.json(first)
            #expect(user["key"] as? String == "nina")
            #expect((user["id"] as? String).flatMap(UUID.init(uuidString:)) != nil)
            for field in ["organization_id", "project_id", "environment_id"] {
                #expect((user[field] as? String).flatMap(UUID.init(uuidString:)) != nil, "\(field)")
            }
            #expect((user["created_at"] as? String)?.hasSuffix("Z") == true)
            let second = try client.roundTrip(.make("PUT", "/facts/users/nina", body: #"{"key":"nina","last_name":null}"#))
            #expect(second.status == 200)
            let replaced = try Self.json(second)
            #expect(replaced["email"] is NSNull, "PUT replaces: absent fields are cleared")
            #expect(replaced["id"] as? String == user["id"] as? String, "ids are stable")
            #expect(replaced["created_at"] as? String == user["created_at"] as? String)
        }
    }

    @Test("Go's SyncUser: GET answers 404 for an unknown user, then POST creates it, then PATCH updates it")
    func goSyncFlow() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let missing = try client.roundTrip(.get("/v2/facts/p/e/users/gopher"))
            #expect(missing.status == 404)
            let error = try Self.json(missing)
            #expect(Set(error.keys) == ["id", "title", "error_code", "message", "support_link", "additional_info"])
            #expect(error["error_code"] as? String == "NOT_FOUND")
            #expect(error["support_link"] is NSNull)
            let created = try client.roundTrip(.post("/v2/facts/p/e/users", #"{"key":"gopher","email":"g@example.com"}"#))
            #expect(created.status == 201)
            #expect(try client.roundTrip(.get("/v2/facts/p/e/users/gopher")).status == 200)
            let patched = try client.roundTrip(.make("PATCH", "/v2/facts/p/e/users/gopher", body: #"{"first_name":"Go"}"#))
            #expect(patched.status == 200)
            #expect(try Self.json(patched)["first_name"] as? String == "Go")
            #expect(try Self.json(patched)["email"] as? String == "g@example.com")
        }
    }

    @Test("a duplicate POST /users answers 200 with the existing user, unchanged")
    func duplicateCreate() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            #expect(try client.roundTrip(.post("/facts/users", #"{"key":"dup","email":"one@example.com"}"#)).status == 201)
            let again = try client.roundTrip(.post("/facts/users", #"{"key":"dup","email":"two@example.com"}"#))
            #expect(again.status == 200)
            #expect(try Self.json(again)["email"] as? String == "one@example.com")
        }
    }

    @Test("users.list is paginated with data, total_count and page_count, including users from the policy files")
    func pagination() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for index in 0..<5 { _ = try client.roundTrip(.post("/facts/users", #"{"key":"page-\#(index)"}"#)) }
            // The fixture declares alice, bob and dave: 8 users in all.
            let first = try Self.json(try client.roundTrip(.get("/facts/users?page=1&per_page=3")))
            #expect((first["data"] as? [Any])?.count == 3)
            #expect(first["total_count"] as? Int == 8)
            #expect(first["page_count"] as? Int == 3)
            let last = try Self.json(try client.roundTrip(.get("/facts/users?page=3&per_page=3")))
            #expect((last["data"] as? [[String: Any]])?.map { $0["key"] as? String } == ["page-3", "page-4"])
            let invalid = try client.roundTrip(.get("/facts/users?per_page=1000"))
            #expect(invalid.status == 422)
            let detail = try #require(try Self.json(invalid)["detail"] as? [[String: Any]])
            #expect(detail.first?["loc"] as? [String] == ["query", "per_page"])
        }
    }

    @Test("assign makes checks allow at once; unassign denies; unknown role is 404; bulk reports counts")
    func roleAssignments() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            _ = try client.roundTrip(.make("PUT", "/facts/users/ria", body: #"{"key":"ria"}"#))
            #expect(try !allowed(client, "ria", "readall"))
            let assigned = try client.roundTrip(.post("/facts/users/ria/roles", #"{"role":"admin","tenant":"default","resource_instance":null}"#))
            #expect(assigned.status == 201)
            let read = try Self.json(assigned)
            for field in ["id", "user_id", "role_id", "tenant_id", "organization_id", "project_id", "environment_id"] {
                #expect((read[field] as? String).flatMap(UUID.init(uuidString:)) != nil, "\(field)")
            }
            #expect(try allowed(client, "ria", "readall"))
            let listed = try #require(try client.roundTrip(.get("/facts/role_assignments?user=ria&user=nobody")).jsonArray() as? [[String: Any]])
            #expect(listed.map { $0["role"] as? String } == ["admin"])
            #expect(try client.roundTrip(.make("DELETE", "/facts/users/ria/roles", body: #"{"role":"admin","tenant":"default"}"#)).status == 204)
            #expect(try !allowed(client, "ria", "readall"))
            let unknownRole = try client.roundTrip(.post("/facts/role_assignments", #"{"user":"ria","role":"owner","tenant":"default"}"#))
            #expect(unknownRole.status == 404)
            let unknownTenant = try client.roundTrip(.post("/facts/role_assignments", #"{"user":"ria","role":"admin","tenant":"nowhere"}"#))
            #expect(unknownTenant.status == 404)
            let bulk = try client.roundTrip(.post("/facts/role_assignments/bulk", #"[{"user":"ria","role":"admin","tenant":"acme"},{"user":"ria","role":"viewer","tenant":"acme"}]"#))
            #expect(try Self.json(bulk)["assignments_created"] as? Int == 2)
            #expect(try allowed(client, "ria", "readall", tenant: "acme"))
            let removed = try client.roundTrip(.make("DELETE", "/facts/role_assignments/bulk", body: #"[{"user":"ria","role":"admin","tenant":"acme"}]"#))
            #expect(try Self.json(removed)["assignments_removed"] as? Int == 1)
            #expect(try !allowed(client, "ria", "readall", tenant: "acme"))
        }
    }

    @Test("tenants: 201, 409 on a duplicate, 404 when unknown, PATCH, DELETE 204, policy tenants read-only")
    func tenants() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            #expect(try client.roundTrip(.post("/facts/tenants", #"{"key":"t1","name":"T"}"#)).status == 201)
            let duplicate = try client.roundTrip(.post("/facts/tenants", #"{"key":"t1","name":"T"}"#))
            #expect(duplicate.status == 409)
            #expect(try Self.json(duplicate)["error_code"] as? String == "DUPLICATE_ENTITY")
            #expect(try client.roundTrip(.get("/facts/tenants/none")).status == 404)
            let patched = try client.roundTrip(.make("PATCH", "/facts/tenants/t1", body: #"{"name":"New","description":null}"#))
            #expect(try Self.json(patched)["name"] as? String == "New")
            #expect(try Self.json(patched)["last_action_at"] is String)
            let list = try #require(try client.roundTrip(.get("/facts/tenants")).jsonArray() as? [[String: Any]])
            #expect(list.compactMap { $0["key"] as? String } == ["acme", "default", "t1"])
            #expect(try client.roundTrip(.make("DELETE", "/facts/tenants/t1")).status == 204)
            #expect(try client.roundTrip(.make("DELETE", "/facts/tenants/acme")).status == 403)
            #expect(try client.roundTrip(.make("DELETE", "/facts/users/alice")).status == 403)
        }
    }

    @Test("input problems: 422 in FastAPI's shape, 400 for bad sync headers, 401 without a key, 405 with Allow")
    func errors() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let missing = try client.roundTrip(.post("/facts/users", #"{"email":"x@example.com","unknown":1}"#))
            #expect(missing.status == 422)
            let detail = try #require(try Self.json(missing)["detail"] as? [[String: Any]])
            #expect(detail.first?["loc"] as? [String] == ["body", "key"])
            #expect(detail.first?["type"] as? String == "value_error.missing")
            let badHeader = try client.roundTrip(.make("POST", "/facts/users", body: #"{"key":"h"}"#, headers: [("X-Timeout-Policy", "sometimes")]))
            #expect(badHeader.status == 400)
            let goodHeaders = try client.roundTrip(.make("POST", "/facts/users", body: #"{"key":"h"}"#, headers: [("X-Wait-Timeout", "5"), ("X-Timeout-Policy", "fail")]))
            #expect(goodHeaders.status == 201)
            #expect(try client.roundTrip(.get("/v2/api-key/scope", authorization: nil)).status == 401)
            let notAllowed = try client.roundTrip(.make("PUT", "/facts/tenants", body: "{}"))
            #expect(notAllowed.status == 405)
            #expect(notAllowed.header("allow") == "GET, POST")
        }
    }

    @Test("schema: roles and resources from the compiled policy")
    func schema() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let roles = try #require(try client.roundTrip(.get("/v2/schema/p/e/roles")).jsonArray() as? [[String: Any]])
            #expect(roles.compactMap { $0["key"] as? String } == ["viewer", "admin"])
            let admin = try Self.json(try client.roundTrip(.get("/v2/schema/p/e/roles/admin")))
            #expect(admin["extends"] as? [String] == ["viewer"])
            let resources = try #require(try client.roundTrip(.get("/v2/schema/p/e/resources")).jsonArray() as? [[String: Any]])
            let task = try #require(resources.first { $0["key"] as? String == "task" })
            let actions = try #require(task["actions"] as? [String: [String: Any]])
            #expect((actions["read"]?["id"] as? String).flatMap(UUID.init(uuidString:)) != nil)
        }
    }
}
