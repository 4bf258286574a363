// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

/// Large `/allowed/bulk` batches are cut into slices read on several cores: over real
/// sockets, the answers must be exactly the sequential ones, in input order, and invalid
/// bodies must get exactly the errors they got before (item index and field path included).
@Suite struct ParallelBulkTests {
    /// Items whose strings and nested objects hold `},{` sequences: places where the body
    /// looks cut-able but is not (the slice reader must decline those cuts).
    static func trickyItem(_ user: String, _ action: String) -> String {
        #"{"user":{"key":"\#(user)","attributes":{"note":"x},{\"y\": 1}, {z"}},"action":"\#(action)","resource":{"type":"task","tenant":"default","attributes":{"list":[{"a":1},{"b":[{},{}]}]}},"context":{"k":[{"x":"},{"}]}}"#
    }

    static let users = ["alice", "bob", "dave", "zed"]
    static let actions = ["read", "readall", "assign"]
    static func expected(_ index: Int) -> Bool {
        let user = users[index % users.count]
        let action = actions[index % actions.count]
        return user == "alice" || (user == "bob" && action == "read")
    }

    @Test("large batches, plain and with cut-like sequences inside items, answer every item in input order")
    func largeBatchesInOrder() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for count in [200, 1_000, 3_000] {
                for tricky in [false, true] {
                    let items = (0..<count).map { index in
                        let user = Self.users[index % Self.users.count]
                        let action = Self.actions[index % Self.actions.count]
                        return tricky ? Self.trickyItem(user, action) : BulkEndpointTests.item(user, action, "task")
                    }
                    let response = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: index(count)) + "]"))
                    #expect(response.status == 200)
                    #expect(response.bodyText == BulkEndpointTests.expectedBody((0..<count).map(Self.expected)), "\(count) items, tricky: \(tricky)")
                }
            }
        }
    }

    /// Separators with whitespace on some sizes: cuts must skip it.
    func index(_ count: Int) -> String { count == 1_000 ? " ,\n " : "," }

    @Test("an invalid item deep in a large batch gets the same error, index and path as before")
    func invalidItemKeepsItsError() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            var items = (0..<2_000).map { BulkEndpointTests.item(Self.users[$0 % 4], "read", "task") }
            items[1_700] = #"{"user":{"key":"alice"},"action":"read","resource":{"type":7}}"#
            let schema = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(schema.status == 422)
            #expect(try schema.jsonObject()["field"] as? String == "[1700].resource.type")

            items[1_700] = #"{"user":{"key":"alice"},"action":"read","resource":"task"} x"#
            let syntax = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(syntax.status == 400)

            let trailing = try client.roundTrip(.post("/allowed/bulk", "[" + items.prefix(1_000).joined(separator: ",") + ",]"))
            #expect(trailing.status == 400)
        }
    }

    @Test("a large batch over maxBulkChecks is 413 too_many_items, as sequentially")
    func tooManyItemsInALargeBatch() async throws {
        var limits = RequestLimits()
        limits.maxBulkChecks = 999
        try await withTestServer(limits: limits) { server in
            let client = try server.connect()
            let items = (0..<1_000).map { BulkEndpointTests.item(Self.users[$0 % 4], "read", "task") }
            let over = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(over.status == 413)
            #expect(try over.jsonObject()["code"] as? String == "too_many_items")
            let under = try client.roundTrip(.post("/allowed/bulk", "[" + items.dropLast().joined(separator: ",") + "]"))
            #expect(under.status == 200)
        }
    }
}
