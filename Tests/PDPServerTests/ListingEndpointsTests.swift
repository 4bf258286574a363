// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The list endpoints served from the catalog's sorted listings (issue #11 item 8), over
/// loopback: every page is the same slice a full sort would give.
@Suite struct ListingEndpointsTests {
    static func array(_ response: HTTPResponse) throws -> [[String: Any]] {
        try #require(try response.jsonArray() as? [[String: Any]])
    }

    @Test("users, tenant users and role assignment pages walk the sorted facts with every filter")
    func pagesAcrossWrites() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let operations = (0..<250).map { index in
                let role = index % 5 == 0 ? "admin" : "viewer"
                let tenant = index % 3 == 0 ? "acme" : "default"
                return #"{"key":"p-\#(String(format: "%03d", index))","role_assignments":[{"role":"\#(role)","tenant":"\#(tenant)"}]}"#
            }
            let seeded = try client.roundTrip(.make("PUT", "/facts/bulk/users", body: #"{"operations":[\#(operations.joined(separator: ","))]}"#))
            #expect(seeded.status == 200, "\(seeded.bodyText)")
            #expect(try client.roundTrip(.make("DELETE", "/facts/users/p-007")).status == 204)

            // Users: alice, bob and dave from the policy files, then 249 API users, by key;
            // position 200 is p-198 (p-007 is gone).
            let page = try client.roundTrip(.get("/facts/users?page=3&per_page=100")).jsonObject()
            #expect(page["total_count"] as? Int == 252)
            #expect(page["page_count"] as? Int == 3)
            let keys = (page["data"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
            #expect(keys == (198..<250).map { String(format: "p-%03d", $0) })
            // Tenant users: acme holds bob (policy files) and every third API user.
            let acme = try client.roundTrip(.get("/facts/tenants/acme/users?page=2&per_page=10")).jsonObject()
            let acmeKeys = (acme["data"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
            #expect(acmeKeys == stride(from: 27, through: 54, by: 3).map { String(format: "p-%03d", $0) })
            #expect(acme["total_count"] as? Int == 85)

            // Role assignments: one role, one tenant, both, and a user filter.
            let admins = try Self.array(try client.roundTrip(.get("/facts/role_assignments?role=admin&per_page=5&page=2")))
            #expect(admins.compactMap { $0["user"] as? String } == ["p-015", "p-020", "p-025", "p-030", "p-035"])
            let acmeAdmins = try Self.array(try client.roundTrip(.get("/facts/role_assignments?role=admin&tenant=acme&per_page=100")))
            #expect(acmeAdmins.compactMap { $0["user"] as? String } == ["bob"] + stride(from: 0, to: 250, by: 15).map { String(format: "p-%03d", $0) })
            let local = try Self.array(try client.roundTrip(.get("/local/role_assignments?tenant=acme&role=admin&per_page=100")))
            #expect(local.compactMap { $0["user"] as? String } == acmeAdmins.compactMap { $0["user"] as? String })
            let one = try Self.array(try client.roundTrip(.get("/facts/role_assignments?user=p-010&user=p-003")))
            #expect(one.map { "\($0["user"] as? String ?? "")/\($0["role"] as? String ?? "")@\($0["tenant"] as? String ?? "")" } == [
                "p-003/viewer@acme", "p-010/admin@default",
            ])
        }
    }

    @Test("/authorized_users, answered off the event loop, still reports bad bodies as 400 and 422")
    func authorizedUsersErrors() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            #expect(try client.roundTrip(.post("/authorized_users", #"{"action":"read","resource""#)).status == 400)
            #expect(try client.roundTrip(.post("/authorized_users", #"{"action":7,"resource":"task"}"#)).status == 422)
            let ok = try client.roundTrip(.post("/authorized_users", #"{"action":"readall","resource":"task"}"#)).jsonObject()
            #expect((ok["users"] as? [String: Any]).map { Array($0.keys).sorted() } == ["alice"])
            #expect(try client.roundTrip(.get("/authorized_users")).status == 405)
        }
    }
}
