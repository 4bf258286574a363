// SPDX-License-Identifier: Apache-2.0
import PDPCore
@testable import PDPServer
import Testing

/// Item 10 of issue 11: health answers without the key carry the status only; with the key
/// the details are bounded however large the last reload failure was.
@Suite struct ReadinessDisclosureTests {
    @Test("without the key /ready is the status only: no keys, roles, tenants or diagnostics")
    func statusOnlyWithoutKey() async throws {
        // An assignment to a role a reload then removes is listed in the dangling sample,
        // user key, role and tenant: that sample (and a failed reload's diagnostics) used
        // to be shown to anyone.
        let file = try PolicyReloadTests.PolicyFile(PolicyReloadTests.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            let client = try server.connect()
            #expect(try client.roundTrip(.make("PUT", "/facts/users/secret-user", body: "{}")).status == 201)
            #expect(try client.roundTrip(.post("/facts/users/secret-user/roles", #"{"role":"editor","tenant":"default"}"#)).status == 201)
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path], watch: false), compile: { file.compile() }, server: server.server)
            try file.write(PolicyReloadTests.withoutEditor)
            #expect(await reloader.reload(reason: "test"))
            try file.write("version: 1\nroles:\n  reader:\n    permissions: [secret:thing]\n")
            #expect(await reloader.reload(reason: "test") == false)

            for authorization in [nil, "Bearer wrong-key", "Basic eA=="] as [String?] {
                let ready = try client.roundTrip(.get("/ready", authorization: authorization))
                #expect(ready.status == 200)
                #expect(ready.bodyText == #"{"status":"ok"}"#, "\(authorization ?? "no key"): \(ready.bodyText)")
            }
            let detailed = try client.roundTrip(.get("/ready"))
            #expect(detailed.bodyText.contains("secret-user"), "the key shows the sample: \(detailed.bodyText)")
            let policy = try #require(try detailed.jsonObject()["policy"] as? [String: Any])
            #expect((policy["last_reload_error"] as? String)?.isEmpty == false)
        }
    }

    @Test("with the key, a failed reload with 50,000 diagnostics is reported in a few lines")
    func cappedDiagnostics() async throws {
        try await withTestServer { server in
            let many = (1...50_000).map { line in
                Diagnostic("unknown-action", "action 'fly\(line)' is not declared " + String(repeating: "x", count: 100),
                           at: SourceLocation(file: "policy.yaml", line: line, column: 3))
            }
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [], watch: false), compile: { .failure(Diagnostics(many)) },
                server: server.server)
            #expect(await reloader.reload(reason: "test") == false)
            let ready = try server.request(.get("/ready"))
            #expect(ready.body.count < 8 * 1024, "\(ready.body.count) bytes")
            let policy = try #require(try ready.jsonObject()["policy"] as? [String: Any])
            let error = try #require(policy["last_reload_error"] as? String)
            // The reload service keeps the first errors and a count; /ready shows them whole.
            #expect(error.split(separator: "\n").count == PolicyReloadService.listedDiagnostics + 1)
            #expect(error.contains("policy.yaml:1:3"))
            #expect(error.contains("and 49995 more"), "\(error)")
            #expect(policy["last_reload_error_truncated"] as? Bool == false)
            #expect(policy["reload_failures"] as? Int == 1)
            #expect(try server.request(.get("/ready", authorization: nil)).bodyText == #"{"status":"ok"}"#)
        }
    }

    @Test("one enormous diagnostic line is cut on a character boundary")
    func longLine() {
        let text = String(repeating: "é", count: 1_000) + "\nsecond"
        let (shown, truncated) = HealthEndpoints.capped(text)
        #expect(truncated)
        #expect(shown.utf8.count <= 400 + 3)
        #expect(!shown.contains("\u{FFFD}"))
        #expect(shown.hasSuffix("…"))
    }
}
