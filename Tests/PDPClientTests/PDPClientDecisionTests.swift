// SPDX-License-Identifier: Apache-2.0
import Foundation
import LivePDP
import PDPClient
import Testing

/// Decisions against a real `pdp serve` process with the bundled task policy.
@Suite("PDPClient decisions against pdp serve")
struct PDPClientDecisionTests {
    static func client(_ pdp: LivePDP, requestTimeout: Int64 = 2_000) -> PDPClient {
        PDPClient(
            configuration: PDPClientConfiguration(
                pdpURL: pdp.url, apiKey: pdp.apiKey, requestTimeoutMilliseconds: requestTimeout))
    }

    @Test("a viewer may read tasks but not read all of them; an admin may")
    func checkAnswersAsThePolicySays() async throws {
        let pdp = try await LivePDP.start()
        let client = Self.client(pdp)
        try await client.syncUser(key: "alice", email: "alice@example.com", firstName: "Alice")
        try await client.assignRole(user: "alice", role: "viewer")
        try await client.syncUser(key: "root")
        try await client.assignRole(user: "root", role: "admin")

        #expect(try await client.check(PDPCheck("alice", "read", "task")))
        #expect(try await client.check(PDPCheck("alice", "update", "task:42")))
        #expect(try await client.check(PDPCheck("alice", "readall", "task")) == false)
        #expect(try await client.check(PDPCheck("root", "readall", "task")))
        #expect(try await client.check(PDPCheck("nobody", "read", "task")) == false)
        await client.shutdown()
        await pdp.stop()
    }

    @Test("authorize throws denied for a deny and returns for an allow")
    func authorizeSeparatesDenied() async throws {
        let pdp = try await LivePDP.start()
        let client = Self.client(pdp)
        try await client.syncUser(key: "bob")
        try await client.assignRole(user: "bob", role: "viewer")
        try await client.authorize(PDPCheck("bob", "create", "task"))
        let denied = PDPCheck("bob", "deleteany", "task")
        await #expect(throws: PDPClientError.denied(denied)) { try await client.authorize(denied) }
        #expect(PDPClientError.denied(denied).isUnavailable == false)
        await client.shutdown()
        await pdp.stop()
    }

    @Test("bulkCheck answers one decision per check, in order, in one request")
    func bulkCheckKeepsOrder() async throws {
        let pdp = try await LivePDP.start()
        let client = Self.client(pdp)
        try await client.syncUser(key: "carol")
        try await client.assignRole(user: "carol", role: "viewer")
        let before = client.requestStatistics.requests
        let actions = ["read", "readall", "create", "deleteany", "delete", "assign"]
        let decisions = try await client.bulkCheck(actions.map { PDPCheck("carol", $0, "task") })
        #expect(decisions == [true, false, true, false, true, false])
        #expect(client.requestStatistics.requests == before + 1)
        #expect(try await client.bulkCheck([]) == [])
        #expect(client.requestStatistics.requests == before + 1)
        await client.shutdown()
        await pdp.stop()
    }

    @Test("userPermissions lists the tenant's permissions and roles")
    func userPermissions() async throws {
        let pdp = try await LivePDP.start()
        let client = Self.client(pdp)
        try await client.syncUser(key: "dora")
        try await client.assignRole(user: "dora", role: "admin")
        let permissions = try await client.userPermissions(PDPUser(key: "dora"), tenants: ["default"])
        let tenant = try #require(permissions.tenant("default"))
        #expect(tenant.roles == ["admin"])
        #expect(tenant.allows("readall", on: "task"))
        #expect(tenant.allows("read", on: "analytics"))
        await client.shutdown()
        await pdp.stop()
    }

    @Test("a wrong API key is unauthorized, not a deny")
    func wrongKeyIsUnauthorized() async throws {
        let pdp = try await LivePDP.start()
        let client = PDPClient(configuration: PDPClientConfiguration(pdpURL: pdp.url, apiKey: "wrong"))
        await #expect(throws: PDPClientError.unauthorized(status: 403)) {
            try await client.check(PDPCheck("alice", "read", "task"))
        }
        let anonymous = PDPClient(configuration: PDPClientConfiguration(pdpURL: pdp.url))
        await #expect(throws: PDPClientError.unauthorized(status: 401)) {
            _ = try await anonymous.bulkCheck([PDPCheck("alice", "read", "task")])
        }
        await client.shutdown()
        await anonymous.shutdown()
        await pdp.stop()
    }

    @Test("sequential checks reuse one keep-alive connection")
    func connectionsArePooled() async throws {
        let server = try CannedHTTPServer(body: #"{"allow": true, "result": true}"#)
        // Generous timeouts: a connect attempt that times out on a starved machine (the ASan
        // suite) is retried by the pool, and the server counts both connections.
        let client = PDPClient(
            configuration: PDPClientConfiguration(pdpURL: server.url, connectTimeoutMilliseconds: 60_000, requestTimeoutMilliseconds: 120_000))
        for _ in 0..<20 { #expect(try await client.check(PDPCheck("alice", "read", "task"))) }
        #expect(server.requests == 20)
        #expect(server.connections == 1)
        await client.shutdown()
        server.stop()
    }
}
