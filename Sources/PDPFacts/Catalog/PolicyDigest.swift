// SPDX-License-Identifier: Apache-2.0
import Crypto
import PDPCore

/// A short fingerprint of what a compiled policy decides and declares: SHA-256 over its
/// resource types and actions, roles with their effective permissions, and the tenants and
/// users of the policy files (keys and assignments), each length-prefixed, in declaration
/// order. Sidecars that load the same policy report the same digest; one whose files differ
/// in anything a decision or the facts API can see reports another. Formatting, comments and
/// file names do not count. The first 16 bytes, as hex.
public enum PolicyDigest {
    /// The digest of `policy`. O(size of the policy); computed once per load or reload.
    public static func of(_ policy: CompiledPolicy) -> String {
        var hash = SHA256()
        func add(_ text: String) {
            var length = UInt32(text.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { hash.update(bufferPointer: $0) }
            hash.update(data: Array(text.utf8))
        }
        func add(_ number: Int) { add(String(number)) }
        add("pdp-policy-digest-1")
        add(policy.resourceTypes.count)
        for type in policy.resourceTypes {
            add(type.key)
            add(type.actions.count)
            for action in type.actions { add(policy.actionKeys[Int(action.rawValue)]) }
        }
        add(policy.roles.count)
        for role in policy.roles {
            add(role.key)
            add(role.effective.width)
            for word in role.effective.words { add(String(word, radix: 16)) }
        }
        add(policy.tenants.count)
        for tenant in policy.tenants { add(tenant.key.value) }
        add(policy.users.count)
        for user in policy.users {
            add(user.key.value)
            add(user.assignments.count)
            for assignment in user.assignments {
                add(assignment.role.value)
                add(assignment.tenant.value)
            }
        }
        return hash.finalize().prefix(16).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
