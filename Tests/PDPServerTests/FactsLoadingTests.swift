// SPDX-License-Identifier: Apache-2.0
import Dispatch
import Foundation
import Logging
import PDPCore
import PDPStore
import Synchronization
import Testing

@testable import PDPServer

/// Issue #15 item 5: a restart answers checks from every stored fact as soon as the decision
/// index is built from the files; the facts API waits for its state and listings, built
/// afterwards, and gets the same answers it would have had.
@Suite struct FactsLoadingTests {
    static var logger: Logger {
        var logger = Logger(label: "facts-loading-tests")
        logger.logLevel = .critical
        return logger
    }

    /// A data directory holding `carol` (viewer in default) and `erin` (admin in tenant `t9`),
    /// written by a store that is then closed.
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "facts-loading-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let at = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        var store: FactsStore? = try FactsStore(configuration: FactsStoreConfiguration(directory: path))
        try store?.commit([
            [.putTenant(TenantRecord(key: "t9", name: "Tenant nine", createdAt: at, updatedAt: at, lastActionAt: at))],
            [.putUser(UserRecord(key: "carol", createdAt: at, updatedAt: at)),
             .assign(AssignmentKey(user: "carol", role: "viewer", tenant: "default"), at: at)],
            [.putUser(UserRecord(key: "erin", createdAt: at, updatedAt: at)),
             .assign(AssignmentKey(user: "erin", role: "admin", tenant: "t9"), at: at)],
        ])
        store = nil
        return path
    }

    /// Runs a blocking request on a thread of its own (not Swift's pool, nor Dispatch's
    /// width-limited global queue, which other tests running meanwhile need).
    static func onThread(_ body: @escaping @Sendable () throws -> HTTPResponse) -> Task<HTTPResponse, any Error> {
        Task {
            try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try body() }) }.start()
            }
        }
    }

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test("while the catalog is built, checks are answered, facts API requests wait and then succeed, /ready says loading")
    func requestsWaitForTheCatalog() async throws {
        let path = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let snapshots = SnapshotStore(try Fixtures.snapshot())
        let store = try FactsStore(configuration: FactsStoreConfiguration(directory: path), deferringState: true)
        #expect(store.image != nil)
        let gate = DispatchSemaphore(value: 0)
        let writer = try FactsWriter(
            base: snapshots.current, loading: store, snapshots: snapshots, logger: Self.logger,
            onLoadFailure: { error in Issue.record("loading failed: \(error)") }, beforeLoading: { gate.wait() })
        #expect(writer.isLoading)
        try await withTestServer(store: snapshots, facts: writer) { server in
            // Decisions come from the files already.
            #expect(try server.request(.check("carol", "read", "task")).bodyText.contains(#""allow":true"#))
            #expect(try server.request(.check("erin", "readall", "task", tenant: "t9")).bodyText.contains(#""allow":true"#))
            #expect(try server.request(.check("carol", "readall", "task")).bodyText.contains(#""allow":false"#))
            let ready = try server.request(.get("/ready"))
            #expect(ready.status == 200)
            let facts = try #require(try ready.jsonObject()["facts"] as? [String: Any])
            #expect(facts["loading"] as? Bool == true)
            #expect(facts["users"] as? Int == 2 && facts["tenants"] as? Int == 1 && facts["role_assignments"] as? Int == 2)
            let local = try server.request(.get("/local/role_assignments"))
            #expect(local.status == 503)
            #expect(local.bodyText.contains("facts_loading"))

            // A read and a write sent now wait for the catalog. (Blocking clients on threads
            // of their own: on the two threads of Swift's pool they would hold up this test.)
            let answered = Flag()
            let read = Self.onThread {
                defer { answered.value.store(true, ordering: .releasing) }
                return try server.request(.get("/facts/users/carol"))
            }
            let write = Self.onThread {
                try server.request(.make("PUT", "/facts/users/frank", body: #"{"key":"frank","role_assignments":[{"role":"viewer","tenant":"default"}]}"#))
            }
            try await Task.sleep(for: .milliseconds(300))
            let early = answered.value.load(ordering: .acquiring)
            #expect(!early, "a facts API read was answered before the catalog was built")
            gate.signal()
            let user = try await read.value
            #expect(user.status == 200)
            #expect(try user.jsonObject()["key"] as? String == "carol")
            #expect([200, 201].contains(try await write.value.status))
            #expect(try server.request(.check("frank", "read", "task")).bodyText.contains(#""allow":true"#))
            let after = try #require(try server.request(.get("/ready")).jsonObject()["facts"] as? [String: Any])
            #expect(after["loading"] as? Bool == false)
            #expect(after["users"] as? Int == 3)
            #expect(try server.request(.get("/local/role_assignments")).status == 200)
        }
        await writer.shutdown()
    }
}
