// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML
import Testing

/// The decision cases written next to the policy (`policies/tasks_test.yaml`), answered by a
/// live server over HTTP: the same cases `pdp test` and the core tests run.
@Suite struct PolicyDecisionCaseTests {
    @Test("every case of policies/tasks_test.yaml gets the expected answer from /allowed")
    func tasksTestCasesOverHTTP() async throws {
        let policyPath = Fixtures.tasksPolicyPath
        let testPath = String(policyPath.dropLast("tasks.yaml".count)) + "tasks_test.yaml"
        let (suite, loadDiagnostics) = DecisionTestLoader.load(path: testPath)
        #expect(!loadDiagnostics.hasErrors, "\(loadDiagnostics)")
        #expect(suite.cases.count >= 30)
        let (policy, policyDiagnostics) = PolicyLoader.load(paths: [policyPath])
        #expect(!policyDiagnostics.hasErrors)
        let (snapshot, fixtureDiagnostics) = suite.layered(onto: try PolicyCompiler.compile(policy))
        #expect(!fixtureDiagnostics.hasErrors, "\(fixtureDiagnostics)")
        try await withTestServer(snapshot: snapshot) { server in
            let client = try server.connect()
            defer { client.close() }
            for testCase in suite.cases {
                // The shape the Python SDK sends, with the key and tenant when the case has them.
                let key = testCase.resourceKey.map { #""\#($0)""# } ?? "null"
                let tenant = testCase.tenant.map { #", "tenant": "\#($0)""# } ?? ""
                let body = #"{"user": {"key": "\#(testCase.user)"}, "action": "\#(testCase.action)", "resource": {"type": "\#(testCase.resourceType)", "key": \#(key)\#(tenant)}, "context": {}}"#
                let response = try client.roundTrip(.post("/allowed", body))
                #expect(response.status == 200)
                let allow = try response.jsonObject()["allow"] as? Bool
                #expect(allow == testCase.expectedAllow, "\(testCase.location): \(testCase.name)")
            }
        }
    }
}
