// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

@Suite struct QueryEndpointTests {
    static let viewerPermissions = ["task:create", "task:read", "task:update", "task:delete"]

    @Test("/user-permissions answers per tenant, filtered by tenants, resources and resource_types")
    func userPermissions() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            func permissions(_ body: String) throws -> [String: [String: Any]] {
                let response = try client.roundTrip(.post("/user-permissions", body))
                #expect(response.status == 200, "\(response.bodyText)")
                #expect(response.header("content-type") == "application/json")
                return try #require(try response.jsonObject() as? [String: [String: Any]])
            }
            let all = try permissions(#"{"user":{"key":"bob"},"tenants":null,"resources":null,"resource_types":null}"#)
            #expect(Set(all.keys) == ["__tenant:default", "__tenant:acme"])
            let bobDefault = try #require(all["__tenant:default"])
            #expect(bobDefault["roles"] as? [String] == ["viewer"])
            #expect(bobDefault["permissions"] as? [String] == Self.viewerPermissions)
            let tenant = try #require(bobDefault["tenant"] as? [String: Any])
            #expect(tenant["key"] as? String == "default")
            let bobAcme = try #require(all["__tenant:acme"])
            #expect(bobAcme["roles"] as? [String] == ["admin"])
            let acmePermissions = Set(try #require(bobAcme["permissions"] as? [String]))
            #expect(acmePermissions.isSuperset(of: ["task:readall", "task:assign", "user:assign_role", "analytics:read"] + Self.viewerPermissions))
            #expect(((bobAcme["tenant"] as? [String: Any])?["attributes"] as? [String: String]) == ["plan": "pro"])

            let onlyAcme = try permissions(#"{"user":{"key":"bob","firstName":"B","attributes":{"a":1}},"tenants":["acme"]}"#)
            #expect(Array(onlyAcme.keys) == ["__tenant:acme"])

            let analytics = try permissions(#"{"user":"bob","tenants":["acme"],"resource_types":["analytics"]}"#)
            #expect(analytics["__tenant:acme"]?["permissions"] as? [String] == ["analytics:read"])

            let tasksViaResources = try permissions(#"{"user":"bob","tenants":["default"],"resources":["task:42"]}"#)
            #expect(tasksViaResources["__tenant:default"]?["permissions"] as? [String] == Self.viewerPermissions)

            #expect(try permissions(#"{"user":{"key":"dave"}}"#).allSatisfy { ($0.value["permissions"] as? [String])?.isEmpty == true })
            #expect(try permissions(#"{"user":{"key":"zed"}}"#).isEmpty)
        }
    }

    @Test("/authorized_users lists the users whose roles grant the action in the tenant")
    func authorizedUsers() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let response = try client.roundTrip(.post("/authorized_users", #"{"action":"read","resource":{"type":"task","tenant":"default","context":{"tenant":"default"}},"context":{}}"#))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let json = try response.jsonObject()
            #expect(json["resource"] as? String == "task:*")
            #expect(json["tenant"] as? String == "default")
            let users = try #require(json["users"] as? [String: [[String: String]]])
            #expect(users == [
                "alice": [["user": "alice", "tenant": "default", "resource": "__tenant:default", "role": "admin"]],
                "bob": [["user": "bob", "tenant": "default", "resource": "__tenant:default", "role": "viewer"]],
            ])

            let acme = try client.roundTrip(.post("/authorized_users", #"{"action":"readall","resource":"task:42","context":{"c":1},"tenant":"ignored"}"#))
            let acmeJSON = try acme.jsonObject()
            #expect(acmeJSON["resource"] as? String == "task:42")
            #expect(acmeJSON["tenant"] as? String == "default")
            #expect((acmeJSON["users"] as? [String: Any])?.keys.sorted() == ["alice"])

            let inAcme = try client.roundTrip(.post("/authorized_users", #"{"action":"readall","resource":{"type":"task","tenant":"acme"}}"#))
            #expect(inAcme.bodyText == #"{"resource":"task:*","tenant":"acme","users":{"bob":[{"user":"bob","tenant":"acme","resource":"__tenant:acme","role":"admin"}]}}"#)

            let nobody = try client.roundTrip(.post("/authorized_users", #"{"action":"fly","resource":"task"}"#))
            #expect(nobody.bodyText == #"{"resource":"task:*","tenant":"default","users":{}}"#)
        }
    }

    @Test("/user-tenants lists the tenants where the user holds a role")
    func userTenants() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let bob = try client.roundTrip(.post("/user-tenants", #"{"user":{"key":"bob"},"context":{}}"#))
            #expect(bob.status == 200)
            #expect(bob.bodyText == #"[{"key":"acme","attributes":{"plan":"pro"}},{"key":"default","attributes":{}}]"#)
            let alice = try client.roundTrip(.post("/user-tenants", #"{"user":"alice"}"#))
            #expect(alice.bodyText == #"[{"key":"default","attributes":{}}]"#)
            #expect(try client.roundTrip(.post("/user-tenants", #"{"user":{"key":"dave"}}"#)).bodyText == "[]")
            #expect(try client.roundTrip(.post("/user-tenants", #"{"user":{"key":"zed"}}"#)).bodyText == "[]")
        }
    }

    @Test("GET /local/role_assignments filters, pages and rejects bad paging with 422")
    func roleAssignments() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            func assignments(_ query: String) throws -> [[String: String]] {
                let response = try client.roundTrip(.get("/local/role_assignments\(query)"))
                #expect(response.status == 200, "\(query): \(response.bodyText)")
                let array = try response.jsonArray()
                for entry in array {
                    #expect((entry as? [String: Any])?.keys.contains("resource_instance") == true)
                }
                return array.compactMap { entry in
                    (entry as? [String: Any])?.compactMapValues { $0 as? String }
                }
            }
            let alice = ["user": "alice", "role": "admin", "tenant": "default"]
            let bobAcme = ["user": "bob", "role": "admin", "tenant": "acme"]
            let bobDefault = ["user": "bob", "role": "viewer", "tenant": "default"]
            #expect(try assignments("") == [alice, bobAcme, bobDefault])
            #expect(try assignments("?page=1&per_page=100") == [alice, bobAcme, bobDefault])
            #expect(try assignments("?user=bob") == [bobAcme, bobDefault])
            #expect(try assignments("?tenant=acme") == [bobAcme])
            #expect(try assignments("?role=viewer") == [bobDefault])
            #expect(try assignments("?user=alice&tenant=acme") == [])
            #expect(try assignments("?user=dave") == [])
            #expect(try assignments("?resource=task") == [])
            #expect(try assignments("?per_page=2") == [alice, bobAcme])
            #expect(try assignments("?per_page=2&page=2") == [bobDefault])
            #expect(try assignments("?per_page=1&page=2") == [bobAcme])
            #expect(try assignments("?page=9") == [])

            for (query, field) in [("?per_page=101", "per_page"), ("?page=0", "page"), ("?per_page=0", "per_page"), ("?page=x", "page")] {
                let response = try client.roundTrip(.get("/local/role_assignments\(query)"))
                #expect(response.status == 422, "\(query)")
                #expect(response.header("content-type") == "application/json")
                #expect(try response.jsonObject()["field"] as? String == field)
            }
        }
    }

    @Test("/health, /healthy and /ready answer without authentication; HEAD has no body")
    func health() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for path in ["/health", "/healthy"] {
                let response = try client.roundTrip(.get(path, authorization: nil))
                #expect(response.status == 200)
                #expect(response.header("content-type") == "application/json")
                #expect(response.bodyText == #"{"status":"ok"}"#)
            }
            let anonymous = try client.roundTrip(.get("/ready", authorization: nil))
            #expect(anonymous.status == 200)
            #expect(anonymous.bodyText == #"{"status":"ok"}"#, "details need the key")
            let ready = try client.roundTrip(.get("/ready"))
            let json = try ready.jsonObject()
            #expect(json["status"] as? String == "ok")
            let policy = try #require(json["policy"] as? [String: Any])
            #expect(policy["roles"] as? Int == 2)
            #expect(policy["last_reload_error"] is NSNull)

            let head = try client.roundTrip(.make("HEAD", "/health", authorization: nil))
            #expect(head.status == 200)
            #expect(head.header("content-length") == String(#"{"status":"ok"}"#.utf8.count))
            #expect(head.body.isEmpty)
            // The connection is still in sync after the body-less HEAD answer.
            #expect(try client.roundTrip(.get("/health", authorization: nil)).bodyText == #"{"status":"ok"}"#)
        }
    }

    @Test("unknown paths get 404 and wrong methods get 405, both as JSON")
    func notFoundAndMethodNotAllowed() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let missing = try client.roundTrip(.get("/nope"))
            #expect(missing.status == 404)
            #expect(try missing.jsonObject()["code"] as? String == "not_found")
            let postMissing = try client.roundTrip(.post("/allowed/nope", "{}"))
            #expect(postMissing.status == 404)

            let wrongMethods: [(HTTPRequest, allow: String)] = [
                (.get("/allowed"), "POST"), (.get("/allowed/bulk"), "POST"), (.make("PUT", "/user-permissions", body: "{}"), "POST"),
                (.make("DELETE", "/authorized_users"), "POST"), (.make("HEAD", "/user-tenants"), "POST"),
                (.post("/local/role_assignments", "{}"), "GET"), (.post("/health", "{}"), "GET, HEAD"), (.make("PUT", "/ready"), "GET, HEAD"),
            ]
            for (request, allow) in wrongMethods {
                let response = try client.roundTrip(request)
                #expect(response.status == 405, "\(request.method)")
                #expect(response.header("allow") == allow)
                #expect(response.header("content-type") == "application/json")
                if request.method == "HEAD" { continue }
                #expect(try response.jsonObject()["code"] as? String == "method_not_allowed")
            }
        }
    }
}
