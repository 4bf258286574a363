// SPDX-License-Identifier: Apache-2.0
import Foundation
import LivePDP
import PDPClient
import Testing

/// The facts calls against a real `pdp serve`: the PDP decides with what they wrote.
@Suite("PDPClient facts calls")
struct PDPClientFactsTests {
    @Test("sync, assign, list, unassign and delete change what the PDP decides", arguments: [
        PDPClientConfiguration.FactsRouting.permitAPI, .pdpProxy,
    ])
    func factsRoundTrip(routing: PDPClientConfiguration.FactsRouting) async throws {
        let pdp = try await LivePDP.start()
        let client = PDPClient(
            configuration: PDPClientConfiguration(pdpURL: pdp.url, apiKey: pdp.apiKey, factsRouting: routing))
        let record = try await client.syncUser(key: "erin", email: "erin@example.com", firstName: "Erin")
        #expect(record.key == "erin")
        #expect(record.email == "erin@example.com")
        #expect(try await client.check(PDPCheck("erin", "read", "task")) == false)

        try await client.assignRole(user: "erin", role: "viewer")
        try await client.assignRole(user: "erin", role: "admin")
        let held = try await client.roleAssignments(users: ["erin"])
        #expect(Set(held.map(\.role)) == ["viewer", "admin"])
        #expect(held.allSatisfy { $0.user == "erin" && $0.tenant == "default" })
        #expect(try await client.check(PDPCheck("erin", "readall", "task")))

        try await client.unassignRole(user: "erin", role: "admin")
        #expect(try await client.check(PDPCheck("erin", "readall", "task")) == false)
        #expect(try await client.allRoleAssignments(users: ["erin"]).map(\.role) == ["viewer"])

        try await client.deleteUser(key: "erin")
        #expect(try await client.check(PDPCheck("erin", "read", "task")) == false)
        do {
            try await client.assignRole(user: "erin", role: "viewer")
            Issue.record("assigning a role to a deleted user succeeded")
        } catch {
            #expect(error.isNotFound)
            #expect(error.isUnavailable == false)
        }
        await client.shutdown()
        await pdp.stop()
    }

    @Test("an unknown role is rejected with the facts API's 404")
    func unknownRole() async throws {
        let pdp = try await LivePDP.start()
        let client = PDPClient(configuration: PDPClientConfiguration(pdpURL: pdp.url, apiKey: pdp.apiKey))
        try await client.syncUser(key: "finn")
        do {
            try await client.assignRole(user: "finn", role: "superuser")
            Issue.record("an unknown role was assigned")
        } catch {
            guard case .rejected(404, let code, _) = error else {
                Issue.record("expected a 404 rejection, got \(error)")
                return
            }
            #expect(code == "NOT_FOUND")
        }
        await client.shutdown()
        await pdp.stop()
    }

    @Test("an invalid e-mail is a validation rejection, not a crash")
    func invalidEmail() async throws {
        let pdp = try await LivePDP.start()
        let client = PDPClient(configuration: PDPClientConfiguration(pdpURL: pdp.url, apiKey: pdp.apiKey))
        do {
            try await client.syncUser(key: "gus", email: "not-an-address")
            Issue.record("an invalid e-mail was stored")
        } catch {
            guard case .rejected(422, _, _) = error else {
                Issue.record("expected a 422 rejection, got \(error)")
                return
            }
        }
        await client.shutdown()
        await pdp.stop()
    }
}
