// SPDX-License-Identifier: Apache-2.0

/// The outcome of running a ``DecisionTestSuite``.
public struct DecisionTestReport: Sendable {
    public struct Failure: Sendable, Hashable {
        public var testCase: DecisionTestCase
        public var explanation: Explanation
    }

    public var passed: Int
    public var failures: [Failure]
    /// Problems with the suite itself (fixture users naming unknown roles or tenants).
    public var diagnostics: Diagnostics

    public var succeeded: Bool { failures.isEmpty && !diagnostics.hasErrors }
}

extension DecisionTestSuite {
    /// `snapshot` with the suite's fixture users layered on top (replacing static users of the
    /// same key, so a test states exactly what it means), and any problems with the fixtures.
    public func layered(onto snapshot: PolicySnapshot) -> (snapshot: PolicySnapshot, diagnostics: Diagnostics) {
        var diagnostics = Diagnostics()
        let target = snapshot.updatingFacts { facts in
            for user in users { facts.removeUser(user.key.value) }
            facts.applyStaticUsers(users, diagnostics: &diagnostics)
        }
        return (target, diagnostics)
    }

    /// Runs every case against `snapshot`, with the suite's fixture users layered on top.
    public func run(against snapshot: PolicySnapshot) -> DecisionTestReport {
        let (target, diagnostics) = layered(onto: snapshot)
        var passed = 0
        var failures: [DecisionTestReport.Failure] = []
        for testCase in cases {
            let request = AccessRequest(
                user: testCase.user, action: testCase.action, resourceType: testCase.resourceType,
                resourceKey: testCase.resourceKey, tenant: testCase.tenant)
            if target.decide(request).isAllowed == testCase.expectedAllow {
                passed += 1
            } else {
                failures.append(.init(testCase: testCase, explanation: target.explain(request)))
            }
        }
        return DecisionTestReport(passed: passed, failures: failures, diagnostics: diagnostics)
    }
}
