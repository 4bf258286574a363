// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import PDPCore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide one check against a policy and explain the decision.",
        discussion: """
            Prints `allow` or `deny` and the reason. Exits 0 when allowed, 1 when denied, \
            3 when the policy is invalid. With --role, the user is given those roles in the \
            tenant for this check (to try a policy before any user exists).
            """
    )

    @Option(name: .long, help: "Policy file or directory (repeatable).")
    var policy: [String]

    @Option(help: "The user key.")
    var user: String

    @Option(help: "The action, e.g. read.")
    var action: String

    @Option(help: "The resource as TYPE or TYPE:KEY.")
    var resource: String

    @Option(help: "The tenant (default: default).")
    var tenant: String?

    @Option(name: .customLong("role"), help: "Give the user this role in the tenant for this check (repeatable).")
    var roles: [String] = []

    func validate() throws {
        if policy.isEmpty { throw ValidationError("Missing --policy PATH.") }
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count > 2 || parts[0].isEmpty { throw ValidationError("--resource must be TYPE or TYPE:KEY.") }
    }

    func run() throws {
        guard var snapshot = PolicyInput.compile(policy, quiet: true) else { throw Status.invalidPolicy }
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        let request = AccessRequest(
            user: user, action: action, resourceType: String(parts[0]),
            resourceKey: parts.count == 2 ? String(parts[1]) : nil, tenant: tenant)
        if !roles.isEmpty {
            var unknown: [String] = []
            snapshot = snapshot.updatingFacts { facts in
                guard let tenantID = facts.tenantID(tenant ?? FactsIndex.defaultTenantKey) else { return }
                for role in roles {
                    if let id = snapshot.policy.roleID(role) { facts.assign(user: user, role: id, tenant: tenantID) } else { unknown.append(role) }
                }
            }
            if !unknown.isEmpty { throw ValidationError("Unknown role(s): \(unknown.joined(separator: ", ")).") }
        }
        let explanation = snapshot.explain(request)
        print(explanation.outcome.isAllowed ? "allow" : "deny")
        print("  \(explanation.summary)")
        if !explanation.outcome.isAllowed { throw Status.negative }
    }
}
