// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing

@Suite struct SnapshotSwapTests {
    @Test("a published snapshot answers the next request, on open and new connections alike")
    func publishTakesEffect() async throws {
        try await withTestServer { server in
            let watcher = try server.connect()
            let other = try server.connect()
            let daveReads = #"{"user":"dave","action":"read","resource":"task"}"#
            #expect(try decision(daveReads, on: watcher) == false)
            #expect(try decision(daveReads, on: other) == false)

            let current = server.server.store.current
            let admin = try #require(current.policy.roleID("admin"))
            let tenant = try #require(current.facts.tenantID("default"))
            let promoted = current.updatingFacts { facts in
                _ = facts.assign(user: "dave", role: admin, tenant: tenant)
            }
            let revision = server.server.store.revision
            server.server.store.publish(promoted)
            #expect(server.server.store.revision == revision + 1)

            // The very next request on an already open connection sees the new facts…
            #expect(try decision(daveReads, on: watcher) == true)
            // …and so do the other open connection and a new one.
            #expect(try decision(daveReads, on: other) == true)
            #expect(try decision(#"{"user":"dave","action":"assign","resource":"task"}"#, on: try server.connect()) == true)
            let tenants = try other.roundTrip(.post("/user-tenants", #"{"user":"dave"}"#))
            #expect(tenants.bodyText == #"[{"key":"default","attributes":{}}]"#)

            // Other decisions are unchanged, and publishing the old snapshot reverts.
            #expect(try decision(#"{"user":"bob","action":"readall","resource":"task"}"#, on: watcher) == false)
            server.server.store.publish(current)
            #expect(try decision(daveReads, on: other) == false)
            #expect(try decision(daveReads, on: watcher) == false)
        }
    }

    @Test("swapping snapshots while another connection streams requests never breaks a response")
    func swapUnderLoad() async throws {
        try await withTestServer { server in
            let current = server.server.store.current
            let admin = try #require(current.policy.roleID("admin"))
            let tenant = try #require(current.facts.tenantID("default"))
            let promoted = current.updatingFacts { _ = $0.assign(user: "dave", role: admin, tenant: tenant) }
            let client = try server.connect()
            let steady = try server.connect()
            for index in 0..<200 {
                let expectDave = index % 2 == 1
                server.server.store.publish(expectDave ? promoted : current)
                #expect(try decision(#"{"user":"dave","action":"read","resource":"task"}"#, on: client) == expectDave)
                #expect(try decision(#"{"user":"alice","action":"read","resource":"task"}"#, on: steady) == true)
            }
        }
    }
}
