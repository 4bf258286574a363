// SPDX-License-Identifier: Apache-2.0
import Testing

/// Item 14 of issue 11 (input part): input that used to change meaning silently is refused.
@Suite struct InputMeaningTests {
    @Test("invalid UTF-8 or malformed escapes in a path are 400, and nothing is created")
    func invalidPathEncoding() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            // %FF, %FE and %C0 all decoded to U+FFFD before: three spellings, one user.
            for segment in ["%FF", "%FE", "%C0", "a%C3", "%ED%A0%80", "%ZZ", "%4", "%"] {
                let put = try client.roundTrip(.make("PUT", "/facts/users/\(segment)", body: #"{"email":null}"#))
                #expect(put.status == 400, "PUT \(segment): \(put.bodyText)")
                #expect(try put.jsonObject()["error_code"] as? String == "INVALID_INPUT")
                #expect(try client.roundTrip(.get("/v2/facts/p/e/users/\(segment)")).status == 400, "GET \(segment)")
            }
            let users = try #require(try client.roundTrip(.get("/facts/users")).jsonObject()["data"] as? [[String: Any]])
            #expect(!users.contains { ($0["key"] as? String)?.contains("\u{FFFD}") == true })
            // Valid escapes still name what they spell.
            #expect(try client.roundTrip(.make("PUT", "/facts/users/%C3%A9t%C3%A9", body: "{}")).status == 201)
            let user = try client.roundTrip(.get("/facts/users/%C3%A9t%C3%A9"))
            #expect(try user.jsonObject()["key"] as? String == "été")
        }
    }

    @Test("'+' in a path is a plus, not a space (only query strings use '+' for space)")
    func plusInPath() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let created = try client.roundTrip(.make("PUT", "/facts/users/a+b", body: "{}"))
            #expect(created.status == 201)
            #expect(try created.jsonObject()["key"] as? String == "a+b")
            #expect(try client.roundTrip(.get("/facts/users/a%20b")).status == 404)
        }
    }

    @Test("invalid percent-encoding in a query used by the endpoint is refused")
    func invalidQueryEncoding() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for target in ["/facts/role_assignments?user=%FF", "/facts/users?page=%ZZ", "/local/role_assignments?user=%C0"] {
                let response = try client.roundTrip(.get(target))
                #expect(response.status == 422, "\(target): \(response.bodyText)")
            }
        }
    }

    @Test("an empty key in a path or body is 422")
    func emptyKeys() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            // `users//roles` named the user `roles` before.
            let cases: [(HTTPRequest, [String])] = [
                (.get("/facts/users//roles"), ["path", "user_id"]),
                (.post("/facts/users//roles", #"{"role":"admin"}"#), ["path", "user_id"]),
                (.make("DELETE", "/v2/facts/p/e/tenants//users/alice"), ["path", "tenant_id"]),
                (.make("DELETE", "/v2/facts/p/e/tenants/acme/users//"), ["path", "user_id"]),
                (.get("/v2/schema/p/e/roles//"), ["path", "role_id"]),
                (.post("/facts/role_assignments", #"{"user":"alice","role":"admin","tenant":""}"#), ["body", "tenant"]),
                (.post("/facts/role_assignments", #"{"user":"","role":"admin"}"#), ["body", "user"]),
                (.post("/facts/role_assignments", #"{"user":"alice","role":""}"#), ["body", "role"]),
                (.post("/facts/users", #"{"key":""}"#), ["body", "key"]),
                (.post("/facts/tenants", #"{"key":"","name":"x"}"#), ["body", "key"]),
            ]
            for (request, location) in cases {
                let response = try client.roundTrip(request)
                #expect(response.status == 422, "\(String(decoding: request.bytes.prefix(60), as: UTF8.self)): \(response.bodyText)")
                let detail = try #require(try response.jsonObject()["detail"] as? [[String: Any]])
                #expect(detail.first?["loc"] as? [String] == location, "\(response.bodyText)")
            }
            let assignments = try client.roundTrip(.get("/facts/role_assignments?user=alice")).jsonArray() as? [[String: Any]]
            #expect(assignments?.contains { $0["tenant"] as? String == "" } == false)
        }
    }

    @Test("e-mail addresses email-validator refuses (special-use domains, no period) are 422; others are stored")
    func specialUseEmailDomains() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let refused = [
                "a@b.local", "a@x.test", "a@x.invalid", "a@x.localhost", "a@x.onion", "a@1.in-addr.arpa", "a@x.home.arpa",
                "a@X.LOCAL", "a@localhost", "a@b", "a@x.local.", "a@x.1",
            ]
            for (index, email) in refused.enumerated() {
                let response = try client.roundTrip(.make("PUT", "/facts/users/u\(index)", body: #"{"email":"\#(email)"}"#))
                #expect(response.status == 422, "\(email): \(response.bodyText)")
                let detail = try #require(try response.jsonObject()["detail"] as? [[String: Any]])
                #expect(detail.first?["loc"] as? [String] == ["body", "email"])
                #expect(try client.roundTrip(.get("/facts/users/u\(index)")).status == 404, "\(email) was stored")
            }
            for (index, email) in ["a@example.com", "a@x.example", "a@mail.example.org", "a@x.internal", "a@x.y"].enumerated() {
                let response = try client.roundTrip(.make("PUT", "/facts/users/ok\(index)", body: #"{"email":"\#(email)"}"#))
                #expect(response.status == 201, "\(email): \(response.bodyText)")
            }
        }
    }

    @Test("an attribute number beyond a double's range is 422, not stored as null")
    func hugeAttributeNumber() async throws {
        try await withTestServer { server in
            let response = try server.request(.make("PUT", "/facts/users/n", body: #"{"attributes":{"a":[1,{"b":1e999}]}}"#))
            #expect(response.status == 422, "\(response.bodyText)")
            let detail = try #require(try response.jsonObject()["detail"] as? [[String: Any]])
            #expect(detail.first?["loc"] as? [String] == ["body", "attributes", "a", "1", "b"])
        }
    }
}
