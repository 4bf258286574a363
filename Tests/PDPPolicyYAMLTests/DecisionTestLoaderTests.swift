// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML
import Testing

@Suite struct DecisionTestLoaderTests {
    private let file = TestPaths.fixture("tasks_test.yaml")

    @Test func aTestFileReadsItsPolicyUsersAndBothFormsOfTest() throws {
        let (suite, diagnostics) = DecisionTestLoader.load(path: file)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(suite.policyPath == Located("../../../policies/tasks.yaml", at: SourceLocation(file: file, line: 1, column: 9)))
        #expect(suite.users.map(\.key.value) == ["vera", "ada"])
        #expect(suite.users.last?.assignments.map(\.role.value) == ["admin"])
        #expect(suite.cases.count == 10)
    }

    @Test func aMatrixExpandsToOneCasePerActionLocatedAtTheAction() throws {
        let suite = DecisionTestLoader.load(path: file).suite
        let matrix = suite.cases.prefix(8)
        #expect(matrix.map(\.name).first == "viewers act on their own tasks: create")
        #expect(matrix.map(\.action) == ["create", "read", "update", "delete", "readall", "updateany", "deleteany", "assign"])
        #expect(matrix.map(\.expectedAllow) == [true, true, true, true, false, false, false, false])
        #expect(matrix.allSatisfy { $0.user == "vera" && $0.resourceType == "task" && $0.resourceKey == nil && $0.tenant == "default" })
        #expect(matrix.first?.location == SourceLocation(file: file, line: 10, column: 15))
        #expect(matrix.last?.location == SourceLocation(file: file, line: 11, column: 45))
    }

    @Test func aSingleCaseReadsTypeKeyAndMappingResources() throws {
        let cases = DecisionTestLoader.load(path: file).suite.cases
        let unknown = try #require(cases.dropFirst(8).first)
        #expect(unknown == DecisionTestCase(
            name: "unknown users are denied", user: "nobody", action: "read", resourceType: "task",
            resourceKey: "42", tenant: nil, expectedAllow: false, location: SourceLocation(file: file, line: 12, column: 5)
        ))
        let analytics = try #require(cases.last)
        #expect(analytics.resourceType == "analytics" && analytics.resourceKey == "main" && analytics.tenant == "acme")
        #expect(analytics.expectedAllow)
    }

    @Test func structuralProblemsInTestsAreAllReported() {
        let (suite, diagnostics) = DecisionTestLoader.load(yaml: """
            policy: [tasks.yaml]
            tests:
              - name: no expectation
                user: vera
                resource: task
                action: read
              - name: bad expect
                user: vera
                resource: {type: task, id: 1}
                action: read
                expect: maybe
              - name: mixed
                user: vera
                resource: task
                action: read
                allowed: [read]
              - user: ""
                resource: ":1"
                allowed: [read, [x]]
              - name: nothing to check
                user: vera
                resource: task
              - name: twice
                name: again
                user: vera
                resource: {type: task, tenant: a}
                tenant: b
                expect: allow
                action: read
              - just a string
            """, file: "t.yaml")
        #expect(diagnostics.summary == [
            "t.yaml:1:9 type-mismatch",
            "t.yaml:3:5 missing-field",
            "t.yaml:9:28 unknown-field", "t.yaml:11:13 type-mismatch",
            "t.yaml:15:5 unknown-field",
            "t.yaml:17:5 missing-field", "t.yaml:17:11 empty-name", "t.yaml:18:15 empty-name", "t.yaml:19:21 type-mismatch",
            "t.yaml:20:5 missing-field",
            "t.yaml:24:5 duplicate-key", "t.yaml:27:13 duplicate-key",
            "t.yaml:30:5 type-mismatch",
        ])
        #expect(suite.cases.map(\.name) == ["mixed: read"])
    }

    @Test func aFileWithoutTestsIsAMissingField() {
        #expect(DecisionTestLoader.load(yaml: "", file: "t.yaml").diagnostics.summary == ["t.yaml:1:1 missing-field"])
        #expect(DecisionTestLoader.load(yaml: "policy: p.yaml\n", file: "t.yaml").diagnostics.summary == ["t.yaml:1:1 missing-field"])
    }

    @Test func unreadableAndBrokenTestFilesAreReported() {
        let missing = TestPaths.fixture("missing_test.yaml")
        #expect(DecisionTestLoader.load(path: missing).diagnostics.summary == ["\(missing):1:1 unreadable-file"])
        #expect(DecisionTestLoader.load(yaml: "tests: [\n", file: "t.yaml").diagnostics.summary == ["t.yaml:2:1 yaml-syntax"])
        #expect(DecisionTestLoader.load(yaml: "tests: []\nusers: {\"a b\": {}}\n", file: "t.yaml").diagnostics.summary == ["t.yaml:2:9 invalid-key"])
    }
}

@Suite struct TaskPolicyDecisionTests {
    @Test("policies/tasks_test.yaml passes against policies/tasks.yaml, and a wrong expectation is caught")
    func bundledSuite() throws {
        let (suite, diagnostics) = DecisionTestLoader.load(path: TestPaths.policies + "/tasks_test.yaml")
        #expect(!diagnostics.hasErrors)
        let (policy, policyDiagnostics) = PolicyLoader.load(paths: [TestPaths.policies + "/tasks.yaml"])
        #expect(!policyDiagnostics.hasErrors)
        let snapshot = try PolicyCompiler.compile(policy)
        let report = suite.run(against: snapshot)
        #expect(report.failures.isEmpty, "\(report.failures.map { "\($0.testCase.location) \($0.testCase.name)" })")
        #expect(report.passed == suite.cases.count)

        var wrong = suite
        wrong.cases[0].expectedAllow.toggle()
        let failed = wrong.run(against: snapshot)
        #expect(failed.failures.map(\.testCase) == [wrong.cases[0]])
        #expect(failed.passed == suite.cases.count - 1)
    }
}
