// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let suiteFields = ["policy", "users", "tests"]

    /// Maps the root of a decision test file (`*_test.yaml`). A file without `tests`
    /// (including an empty file) is a `missing-field` at 1:1.
    mutating func decisionTestSuite(_ root: YAMLNode?, file: String) -> DecisionTestSuite {
        var suite = DecisionTestSuite()
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root else {
            report(.missingField, "a decision test file needs a `tests` list", at: start)
            return suite
        }
        guard let fields = fields(of: root, owner: "a decision test file", allowed: Self.suiteFields) else { return suite }
        if let node = fields["policy"], !node.isNull {
            suite.policyPath = name(node, what: "`policy`")
        }
        suite.users = users(fields["users"])
        guard fields.has("tests") else {
            report(.missingField, "a decision test file needs a `tests` list", at: root.location)
            return suite
        }
        for item in items(fields["tests"], expected: "`tests` must be a list of tests") {
            suite.cases += testCases(item)
        }
        return suite
    }
}
