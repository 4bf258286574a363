// SPDX-License-Identifier: Apache-2.0
import PDPCore
@testable import PDPServer
import Testing

/// Item 10 of issue 11: health answers without the key carry the status only; with the key
/// the details are bounded however large the last reload failure was.
@Suite struct ReadinessDisclosureTests {
    @Test("without the key /ready is the status only: no keys, roles, tenants or diagnostics")
    func statusOnlyWithoutKey() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            // An assignment to a role the policy lacks shows up in the dangling sample.
            #expect(try client.roundTrip(.post("/facts/role_assignments", #"{"user":"secret-user","role":"ghost","tenant":"secret-tenant"}"#)).status != 500)
            for authorization in [nil, "Bearer wrong-key", "Basic eA=="] as [String?] {
                let ready = try client.roundTrip(.get("/ready", authorization: authorization))
                #expect(ready.status == 200)
                #expect(ready.bodyText == #"{"status":"ok"}"#, "\(authorization ?? "no key"): \(ready.bodyText)")
            }
            let detailed = try client.roundTrip(.get("/ready"))
            #expect(try detailed.jsonObject()["policy"] is [String: Any])
            #expect(try detailed.jsonObject()["facts"] is [String: Any])
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
            #expect(error.split(separator: "\n").count == 5)
            #expect(error.contains("policy.yaml:1:3"))
            #expect(policy["last_reload_error_truncated"] as? Bool == true)
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
