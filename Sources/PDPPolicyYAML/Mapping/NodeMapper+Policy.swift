// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// One policy file, mapped: its definitions, and whether it had a `version` key at all
/// (the loader reports a missing version once, for the whole document).
struct MappedPolicyFile {
    var document = PolicyDocument()
    var hasVersionKey = false
}

extension NodeMapper {
    static let policyFields = ["version", "resources", "roles", "tenants", "users"]

    /// Maps the root node of a policy file (`nil` for an empty file).
    mutating func policyFile(_ root: YAMLNode?) -> MappedPolicyFile {
        var result = MappedPolicyFile()
        guard let root, let fields = fields(of: root, owner: "a policy file", allowed: Self.policyFields) else {
            return result
        }
        if let node = fields["version"] {
            result.hasVersionKey = true
            result.document.version = version(node)
        }
        for pair in entries(fields["resources"], expected: "`resources` must be a mapping of resource keys to resources") {
            if let resource = resource(pair) { result.document.resources.append(resource) }
        }
        for pair in entries(fields["roles"], expected: "`roles` must be a mapping of role keys to roles") {
            if let role = role(pair) { result.document.roles.append(role) }
        }
        for pair in entries(fields["tenants"], expected: "`tenants` must be a mapping of tenant keys to tenants") {
            if let tenant = tenant(pair) { result.document.tenants.append(tenant) }
        }
        result.document.users = users(fields["users"])
        return result
    }

    /// The `version` value: a plain integer in ``PolicyDocument/supportedVersions``;
    /// anything else is `unsupported-version`.
    mutating func version(_ node: YAMLNode) -> Located<Int>? {
        let supported = PolicyDocument.supportedVersions
        let expected = supported.count == 1 ? "\(supported.lowerBound)" : "\(supported.lowerBound) to \(supported.upperBound)"
        guard let scalar = node.scalar else {
            if !node.isInvalid {
                report(.unsupportedVersion, "`version` must be an integer, found \(node.kindDescription); this build reads version \(expected)", at: node.location)
            }
            return nil
        }
        guard case .int(let number) = ScalarResolver.resolve(scalar) else {
            report(.unsupportedVersion, "`version` must be an integer, found \(node.kindDescription) `\(scalar.value)`; this build reads version \(expected)", at: node.location)
            return nil
        }
        guard supported.contains(number) else {
            report(.unsupportedVersion, "version \(number) is not supported; this build reads version \(expected)", at: node.location)
            return nil
        }
        return Located(number, at: node.location)
    }
}
