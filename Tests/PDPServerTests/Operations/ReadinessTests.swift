// SPDX-License-Identifier: Apache-2.0
import PDPCore
@testable import PDPServer
import Testing

/// `/ready` tells the truth: 503 with a reason while the facts storage refuses writes, and,
/// with `strictReload`, while the last reload failed; `/healthy` stays 200 meanwhile. (A data
/// directory on a disk that fills or goes read-only under a running server is tested on the
/// real binary: Tests/compat/test_operations.py.)
@Suite struct ReadinessTests {
    @Test("with strictReload a failed reload makes /ready 503 policy_reload_failed until a reload succeeds")
    func strictReload() async throws {
        let file = try PolicyReloadTests.PolicyFile(PolicyReloadTests.withEditor)
        try await withTestServer(snapshot: try file.compile().get(), configure: { $0.strictReload = true }) { server in
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path], watch: false), compile: { file.compile() }, server: server.server)
            #expect(try server.request(.get("/ready", authorization: nil)).status == 200)
            try file.write("version: 1\nroles: [broken\n")
            #expect(await reloader.reload(reason: "test") == false)
            let failed = try server.request(.get("/ready", authorization: nil))
            #expect(failed.status == 503)
            #expect(failed.bodyText == #"{"status":"unavailable","reason":"policy_reload_failed"}"#)
            #expect(try server.request(.get("/healthy", authorization: nil)).status == 200, "liveness is not readiness")
            #expect(try server.request(.check("alice", "read", "task")).status == 200, "the last good policy keeps serving")
            try file.write(PolicyReloadTests.withEditor)
            #expect(await reloader.reload(reason: "test"))
            #expect(try server.request(.get("/ready", authorization: nil)).status == 200)
        }
    }

    @Test("without strictReload a failed reload leaves /ready at 200")
    func lenientReload() async throws {
        let file = try PolicyReloadTests.PolicyFile(PolicyReloadTests.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path], watch: false), compile: { file.compile() }, server: server.server)
            try file.write("version: 1\nroles: [broken\n")
            #expect(await reloader.reload(reason: "test") == false)
            #expect(try server.request(.get("/ready", authorization: nil)).status == 200)
        }
    }

    @Test("the reasons, in order: no policy, then an unwritable facts store, then a failed reload under strictReload")
    func reasons() {
        let broken = FactsWriter.StorageStatus(writeProblem: "No space left on device", journalBytes: 24, lastSyncNanoseconds: nil)
        let fine = FactsWriter.StorageStatus(writeProblem: nil, journalBytes: 24, lastSyncNanoseconds: 1_000)
        let failedReload = Readiness(lastReloadError: "policy.yaml:1:1: bad")
        #expect(HealthEndpoints.unreadiness(Readiness(ready: false), storage: broken, tooStale: false, strictReload: true) == "policy_not_loaded")
        #expect(HealthEndpoints.unreadiness(failedReload, storage: broken, tooStale: false, strictReload: true) == "facts_storage_unwritable")
        #expect(HealthEndpoints.unreadiness(failedReload, storage: fine, tooStale: false, strictReload: true) == "policy_reload_failed")
        #expect(HealthEndpoints.unreadiness(failedReload, storage: fine, tooStale: true, strictReload: true) == "facts_too_stale")
        #expect(HealthEndpoints.unreadiness(failedReload, storage: fine, tooStale: false, strictReload: false) == nil)
        #expect(HealthEndpoints.unreadiness(Readiness(), storage: nil, tooStale: false, strictReload: true) == nil)
    }
}
