// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML

/// The task policy plus a few users, compiled once for the decision benchmarks.
enum Fixtures {
    static let repository = String(#filePath.dropLast("Benchmarks/PDPBenchmarks/Fixtures.swift".count))

    /// Compiled once per process: the benchmark closures run once per sample.
    static let sharedTaskSnapshot: PolicySnapshot? = try? taskSnapshot()

    static func taskSnapshot() throws -> PolicySnapshot {
        var (document, diagnostics) = PolicyLoader.load(paths: [repository + "policies/tasks.yaml"])
        guard !diagnostics.hasErrors else { throw diagnostics }
        for index in 0..<10_000 {
            document.users.append(
                UserDefinition(
                    key: Located("user-\(index)", at: .unknown),
                    assignments: [RoleAssignmentDefinition(role: Located(index % 10 == 0 ? "admin" : "viewer", at: .unknown), tenant: Located("default", at: .unknown))]))
        }
        return try PolicyCompiler.compile(document)
    }

    /// 1,000 roles x 200 resource types x 10 actions, with `users` single-role users.
    static func largeDocument(users: Int) -> PolicyDocument {
        var document = PolicyDocument(version: Located(1, at: .unknown))
        for t in 0..<200 {
            document.resources.append(
                ResourceDefinition(key: Located("res\(t)", at: .unknown), actions: (0..<10).map { Located("a\($0)", at: .unknown) }))
        }
        for r in 0..<1_000 {
            document.roles.append(
                RoleDefinition(
                    key: Located("role\(r)", at: .unknown),
                    permissions: (0..<20).map { Located("res\((r + $0 * 13) % 200):a\((r + $0) % 10)", at: .unknown) },
                    extends: r >= 10 && r % 10 == 0 ? [Located("role\(r - 10)", at: .unknown)] : []))
        }
        let tenant = Located("default", at: .unknown)
        document.users.reserveCapacity(users)
        for u in 0..<users {
            document.users.append(
                UserDefinition(
                    key: Located("user\(u)", at: .unknown),
                    assignments: [RoleAssignmentDefinition(role: Located("role\(u % 1_000)", at: .unknown), tenant: tenant)]))
        }
        return document
    }

    /// The body the Python SDK sends for `permit.check("user-7", "read", "task:42")`.
    static let checkBody =
        #"{"user": {"key": "user-7", "first_name": "Alice", "last_name": "Liddell", "email": "alice@example.com", "attributes": {"department": "eng"}}, "action": "read", "resource": {"type": "task", "key": "42", "tenant": "default", "attributes": {"owner": "alice"}, "context": {"tenant": "default"}}, "context": {"ip": "10.0.0.1"}}"#
}
