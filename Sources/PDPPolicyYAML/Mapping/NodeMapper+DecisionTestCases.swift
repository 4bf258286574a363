// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let singleCaseFields = ["name", "user", "action", "resource", "tenant", "expect"]
    static let matrixCaseFields = ["name", "user", "resource", "tenant", "allowed", "denied"]
    static let resourceObjectFields = ["type", "key", "tenant"]

    /// What a test names as its subject, before the action.
    private struct Subject {
        var name = ""
        var user = ""
        var resourceType: String
        var resourceKey: String?
        var tenant: String?
    }

    /// One entry of `tests`: a single case (with `action` and `expect`) or a matrix (with
    /// `allowed` and/or `denied`), which expands into a case per action named
    /// "<name>: <action>" and located at that action.
    mutating func testCases(_ node: YAMLNode) -> [DecisionTestCase] {
        guard let probe = mappingPairs(node, expected: "a test must be a mapping") else { return [] }
        let isMatrix = probe.contains { pair in pair.key.scalar.map { ["allowed", "denied"].contains($0.value) } ?? false }
        let owner = isMatrix ? "a matrix test (one with `allowed`/`denied`)" : "a test"
        let allowed = isMatrix ? Self.matrixCaseFields : Self.singleCaseFields
        guard let fields = fields(of: node, owner: owner, allowed: allowed) else { return [] }
        let subject = subject(fields, at: node.location)
        if isMatrix {
            return matrixCases(fields, subject: subject)
        }
        if !fields.has("action") && !fields.has("expect") {
            report(.missingField, "a test needs `action` and `expect`, or `allowed` and/or `denied`", at: node.location)
            return []
        }
        for field in ["action", "expect"] where !fields.has(field) {
            report(.missingField, "a test needs `\(field)`", at: node.location)
        }
        let action = fields["action"].flatMap { name($0, what: "`action`") }
        let expect = fields["expect"].flatMap { expectation($0) }
        guard let subject, let action, let expect else { return [] }
        return [testCase(subject, name: subject.name, action: action.value, allow: expect, at: node.location)]
    }

    private mutating func matrixCases(_ fields: Fields, subject: Subject?) -> [DecisionTestCase] {
        var cases: [DecisionTestCase] = []
        for (field, allow) in [("allowed", true), ("denied", false)] {
            let actions = names(fields[field], field: field, what: "an action")
            guard let subject else { continue }
            for action in actions {
                let name = "\(subject.name): \(action.value)"
                cases.append(testCase(subject, name: name, action: action.value, allow: allow, at: action.location))
            }
        }
        return cases
    }

    private func testCase(_ subject: Subject, name: String, action: String, allow: Bool, at location: SourceLocation) -> DecisionTestCase {
        DecisionTestCase(
            name: name, user: subject.user, action: action,
            resourceType: subject.resourceType, resourceKey: subject.resourceKey,
            tenant: subject.tenant, expectedAllow: allow, location: location
        )
    }

    /// `name`, `user`, `resource` (required) and `tenant` of a test.
    private mutating func subject(_ fields: Fields, at location: SourceLocation) -> Subject? {
        for field in ["name", "user", "resource"] where !fields.has(field) {
            report(.missingField, "a test needs `\(field)`", at: location)
        }
        let name = fields["name"].flatMap { self.name($0, what: "a test's `name`") }
        let user = fields["user"].flatMap { self.name($0, what: "`user`") }
        let written = fields["resource"].flatMap { self.resource($0) }
        var tenant: Located<String>?
        if let node = fields["tenant"], !node.isNull {
            tenant = self.name(node, what: "`tenant`")
        }
        guard let name, let user, var subject = written else { return nil }
        subject.name = name.value
        subject.user = user.value
        if let tenant {
            if let other = subject.tenant, other != tenant.value {
                report(.duplicateKey, "the tenant is given twice, as `\(tenant.value)` and in `resource` as `\(other)`", at: tenant.location)
                return nil
            }
            subject.tenant = tenant.value
        }
        return subject
    }
    /// `resource: type`, `resource: type:key` or `resource: {type, key?, tenant?}`.
    private mutating func resource(_ node: YAMLNode) -> Subject? {
        if case .mapping = node.content {
            guard let fields = fields(of: node, owner: "`resource`", allowed: Self.resourceObjectFields) else { return nil }
            guard let typeNode = fields["type"] else {
                report(.missingField, "`resource` needs `type`", at: node.location)
                return nil
            }
            guard let type = self.name(typeNode, what: "the resource `type`") else { return nil }
            let key = fields["key"].flatMap { self.name($0, what: "the resource `key`") }
            let tenant = fields["tenant"].flatMap { self.name($0, what: "the resource `tenant`") }
            return Subject(resourceType: type.value, resourceKey: key?.value, tenant: tenant?.value)
        }
        guard let written = self.name(node, what: "`resource`") else { return nil }
        guard let colon = written.value.firstIndex(of: ":") else {
            return Subject(resourceType: written.value)
        }
        let type = String(written.value[..<colon])
        let key = String(written.value[written.value.index(after: colon)...])
        guard !type.isEmpty, !key.isEmpty else {
            report(.emptyName, "`resource` must be written `type` or `type:key`, found `\(written.value)`", at: written.location)
            return nil
        }
        return Subject(resourceType: type, resourceKey: key)
    }

    /// `expect: allow | deny`.
    private mutating func expectation(_ node: YAMLNode) -> Bool? {
        switch node.scalar?.value {
        case "allow": return true
        case "deny": return false
        default:
            if node.isInvalid { return nil }
            let found = node.scalar.map { "`\($0.value)`" } ?? node.kindDescription
            report(.typeMismatch, "`expect` must be `allow` or `deny`, found \(found)", at: node.location)
            return nil
        }
    }
}
