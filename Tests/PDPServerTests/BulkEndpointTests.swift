// SPDX-License-Identifier: Apache-2.0
import Testing

@Suite struct BulkEndpointTests {
    /// A `/allowed/bulk` item.
    static func item(_ user: String, _ action: String, _ type: String, tenant: String = "default") -> String {
        #"{"user":{"key":"\#(user)"},"action":"\#(action)","resource":{"type":"\#(type)","key":null,"tenant":"\#(tenant)","context":{"tenant":"\#(tenant)"}},"context":{}}"#
    }

    /// The exact body of a bulk answer for `decisions`.
    static func expectedBody(_ decisions: [Bool]) -> String {
        #"{"allow":["# + decisions.map { #"{"allow":\#($0),"result":\#($0)}"# }.joined(separator: ",") + "]}"
    }

    @Test("/allowed/bulk answers one decision per item, in order")
    func orderPreserved() async throws {
        try await withTestServer { server in
            let items = [
                (Self.item("alice", "read", "task"), true),
                (Self.item("bob", "readall", "task"), false),
                (Self.item("bob", "readall", "task", tenant: "acme"), true),
                (Self.item("dave", "read", "task"), false),
                (#"{"user":"alice","action":"read","resource":"analytics"}"#, true),
                (#"{"user":"zed","action":"read","resource":"task:7"}"#, false),
            ]
            let response = try server.request(.post("/allowed/bulk", "[" + items.map(\.0).joined(separator: ",") + "]"))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(response.bodyText == Self.expectedBody(items.map(\.1)))
        }
    }

    @Test("/allowed/bulk with one item, with 1,000 items, and with an empty array")
    func sizes() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let one = try client.roundTrip(.post("/allowed/bulk", "[" + Self.item("alice", "read", "task") + "]"))
            #expect(one.bodyText == Self.expectedBody([true]))

            let users = ["alice", "bob", "dave", "zed"]
            let actions = ["read", "readall", "assign"]
            var expected: [Bool] = []
            var items: [String] = []
            for index in 0..<1_000 {
                let user = users[index % users.count]
                let action = actions[index % actions.count]
                items.append(Self.item(user, action, "task"))
                expected.append(user == "alice" || (user == "bob" && action == "read"))
            }
            let many = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(many.status == 200)
            #expect(many.bodyText == Self.expectedBody(expected))
            let parsed = try #require(try many.jsonObject()["allow"] as? [[String: Bool]])
            #expect(parsed.count == 1_000)

            let empty = try client.roundTrip(.post("/allowed/bulk", "[]"))
            #expect(empty.status == 200)
            #expect(empty.bodyText == #"{"allow":[]}"#)
        }
    }

    @Test("/allowed/bulk?debug=true explains each item")
    func bulkDebug() async throws {
        try await withTestServer { server in
            let body = "[" + Self.item("alice", "read", "task") + "," + Self.item("zed", "read", "task") + "]"
            let response = try server.request(.post("/allowed/bulk?debug=true", body))
            #expect(response.status == 200)
            let answers = try #require(try response.jsonObject()["allow"] as? [[String: Any]])
            #expect(answers.count == 2)
            #expect(answers.map { $0["allow"] as? Bool } == [true, false])
            #expect(answers.map { ($0["debug"] as? [String: Any])?["code"] as? String } == ["allowed", "unknown_user"])
        }
    }

    @Test("/allowed/all-tenants lists exactly the tenants where the check is allowed")
    func allTenants() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            func tenants(_ user: String, _ action: String, _ type: String) throws -> [String] {
                let response = try client.roundTrip(.post("/allowed/all-tenants", #"{"user":{"key":"\#(user)"},"action":"\#(action)","resource":{"type":"\#(type)"},"context":{}}"#))
                #expect(response.status == 200)
                #expect(response.header("content-type") == "application/json")
                let entries = try #require(try response.jsonObject()["allowed_tenants"] as? [[String: Any]])
                for entry in entries {
                    #expect(entry["allow"] as? Bool == true)
                    #expect(entry["result"] as? Bool == true)
                }
                return entries.compactMap { ($0["tenant"] as? [String: Any])?["key"] as? String }
            }
            #expect(try tenants("bob", "read", "task") == ["acme", "default"])
            #expect(try tenants("bob", "readall", "task") == ["acme"])
            #expect(try tenants("alice", "read", "analytics") == ["default"])
            #expect(try tenants("dave", "read", "task") == [])
            #expect(try tenants("zed", "read", "task") == [])

            let response = try client.roundTrip(.post("/allowed/all-tenants", #"{"user":"bob","action":"readall","resource":"task"}"#))
            #expect(response.bodyText == #"{"allowed_tenants":[{"allow":true,"result":true,"tenant":{"key":"acme","attributes":{"plan":"pro"}}}]}"#)
        }
    }
}
