// SPDX-License-Identifier: Apache-2.0

/// Decision test cases for a policy (`*_test.yaml`), run by `pdp test`, the core tests and
/// the server tests alike.
public struct DecisionTestSuite: Sendable {
    /// The policy the suite is written for, relative to the suite's file, if it names one.
    public var policyPath: Located<String>?
    /// Extra users (fixtures) layered over the policy's static users for these tests only.
    public var users: [UserDefinition]
    public var cases: [DecisionTestCase]

    public init(policyPath: Located<String>? = nil, users: [UserDefinition] = [], cases: [DecisionTestCase] = []) {
        self.policyPath = policyPath
        self.users = users
        self.cases = cases
    }
}

/// One expected decision.
public struct DecisionTestCase: Sendable, Hashable {
    public var name: String
    public var user: String
    public var action: String
    public var resourceType: String
    public var resourceKey: String?
    /// `nil` means the default tenant.
    public var tenant: String?
    public var expectedAllow: Bool
    /// Where the case was written, for failure reports.
    public var location: SourceLocation

    public init(
        name: String,
        user: String,
        action: String,
        resourceType: String,
        resourceKey: String? = nil,
        tenant: String? = nil,
        expectedAllow: Bool,
        location: SourceLocation
    ) {
        self.name = name
        self.user = user
        self.action = action
        self.resourceType = resourceType
        self.resourceKey = resourceKey
        self.tenant = tenant
        self.expectedAllow = expectedAllow
        self.location = location
    }
}
