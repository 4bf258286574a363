// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

/// Item 5 of issue 11: `page` and `per_page` are range-checked on every paginated route, so
/// a huge value is a 422 and never an arithmetic overflow that kills the process.
@Suite struct PaginationLimitTests {
    static let paginatedPaths = [
        "/facts/users", "/v2/facts/p/e/users", "/facts/tenants", "/v2/facts/p/e/tenants", "/facts/role_assignments",
        "/v2/facts/p/e/role_assignments", "/facts/tenants/acme/users", "/v2/facts/p/e/tenants/acme/users",
        "/v2/schema/p/e/roles", "/v2/schema/p/e/resources", "/local/role_assignments",
    ]

    // (page - 1) * per_page overflowed for each of these before the range check.
    static let hugeQueries = [
        "page=9223372036854775807", "page=92233720368547759&per_page=100", "page=4611686018427387905&per_page=2",
        "per_page=9223372036854775807", "page=-9223372036854775808", "page=2147483648",
    ]

    @Test("a huge page or per_page is 422 on every paginated route, and the server keeps answering")
    func hugeValuesAre422() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for path in Self.paginatedPaths {
                for query in Self.hugeQueries {
                    let response = try client.roundTrip(.get("\(path)?\(query)"))
                    #expect(response.status == 422, "\(path)?\(query): \(response.bodyText)")
                    #expect(!response.closesConnection)
                }
                // Still alive, on this connection and on a new one.
                #expect(try client.roundTrip(.get("/health")).status == 200)
                #expect(try server.request(.check("alice", "read", "task")).status == 200)
            }
        }
    }

    @Test("the last page accepted is an empty page, not an error")
    func largestPageIsEmpty() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for path in Self.paginatedPaths {
                let response = try client.roundTrip(.get("\(path)?page=2147483647&per_page=100"))
                #expect(response.status == 200, "\(path): \(response.bodyText)")
                if let object = try? response.jsonObject() {
                    #expect((object["data"] as? [Any])?.isEmpty == true, "\(path): \(response.bodyText)")
                } else {
                    #expect(try response.jsonArray().isEmpty, "\(path): \(response.bodyText)")
                }
            }
        }
    }

    @Test("the facts API names the parameter in FastAPI's shape; /local/role_assignments in its own")
    func errorShapes() async throws {
        try await withTestServer { server in
            let rest = try server.request(.get("/facts/users?page=9223372036854775807"))
            let detail = try #require(try rest.jsonObject()["detail"] as? [[String: Any]])
            #expect(detail.first?["loc"] as? [String] == ["query", "page"])
            let local = try server.request(.get("/local/role_assignments?per_page=9223372036854775807"))
            #expect(try local.jsonObject()["field"] as? String == "per_page")
        }
    }
}
