// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing
import TestSupport

/// A deliberately naive evaluator over the written policy: string comparisons and a
/// breadth-first walk of `extends`, no ids, no bitsets.
struct NaiveEvaluator {
    var document: PolicyDocument
    /// user -> (role, tenant) pairs
    var assignments: [String: Set<[String]>]

    func allows(_ r: AccessRequest) -> Bool {
        guard let resource = document.resources.first(where: { $0.key.value == r.resourceType }),
            resource.actions.contains(where: { $0.value == r.action })
        else { return false }
        let tenant = r.tenant ?? "default"
        let held = (assignments[r.user] ?? []).filter { $0[1] == tenant }.map { $0[0] }
        var queue = held
        var seen = Set<String>()
        while let role = queue.popLast() {
            guard seen.insert(role).inserted, let def = document.roles.first(where: { $0.key.value == role }) else { continue }
            for p in def.permissions.map(\.value) where p == "\(r.resourceType):\(r.action)" || p == "\(r.resourceType):*" {
                return true
            }
            queue += def.extends.map(\.value)
        }
        return false
    }
}

@Suite struct ReferenceEvaluatorTests {
    @Test("random policies agree with the naive evaluator on 100k random checks", arguments: [1 as UInt64, 2, 3, 4])
    func randomPolicies(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var b = PolicyBuilder()
        // Resource types with enough actions to cross 64-bit word boundaries.
        let typeCount = 1 + pick(6)
        var actionsByType: [String: [String]] = [:]
        for t in 0..<typeCount {
            let actions = (0..<(1 + pick(70))).map { "act\(($0 * 7 + t) % 90)" }
            let unique = Array(Set(actions)).sorted()
            actionsByType["type\(t)"] = unique
            b.resource("type\(t)", unique)
        }
        let roleCount = 1 + pick(40)
        for r in 0..<roleCount {
            var permissions: [String] = []
            for _ in 0..<pick(8) {
                let type = "type\(pick(typeCount))"
                let actions = actionsByType[type]!
                permissions.append(pick(10) == 0 ? "\(type):*" : "\(type):\(actions[pick(actions.count)])")
            }
            // Extends only earlier roles: random DAGs with chains, no cycles.
            let parents = r == 0 ? [] : (0..<pick(3)).map { _ in "role\(pick(r))" }
            b.role("role\(r)", permissions, extends: Array(Set(parents)).sorted())
        }
        let tenants = ["default"] + (0..<pick(4)).map { "tenant\($0)" }
        for t in tenants.dropFirst() { b.tenant(t) }
        var naive: [String: Set<[String]>] = [:]
        let userCount = 1 + pick(60)
        for u in 0..<userCount {
            var pairs: [(role: String, tenant: String)] = []
            for _ in 0..<pick(4) { pairs.append(("role\(pick(roleCount))", tenants[pick(tenants.count)])) }
            b.user("user\(u)", pairs)
            naive["user\(u)", default: []].formUnion(pairs.map { [$0.role, $0.tenant] })
        }
        var snapshot = try PolicyCompiler.compileForTest(b)

        // Incremental changes, mirrored in the naive model.
        for _ in 0..<500 {
            let user = "user\(pick(userCount + 5))"
            let role = "role\(pick(roleCount))"
            let tenant = tenants[pick(tenants.count)]
            let roleID = try #require(snapshot.policy.roleID(role))
            let assign = pick(3) != 0
            snapshot = snapshot.updatingFacts { facts in
                let tenantID = facts.tenantID(tenant)!
                if assign {
                    facts.assign(user: user, role: roleID, tenant: tenantID)
                } else {
                    facts.unassign(user: user, role: roleID, tenant: tenantID)
                }
            }
            if assign { naive[user, default: []].insert([role, tenant]) } else { naive[user]?.remove([role, tenant]) }
        }

        let reference = NaiveEvaluator(document: b.document, assignments: naive)
        var mismatches = 0
        for _ in 0..<25_000 {
            let type = pick(20) == 0 ? "nosuchtype" : "type\(pick(typeCount))"
            let action = pick(20) == 0 ? "nosuchaction" : "act\(pick(90))"
            let tenant: String? = pick(4) == 0 ? nil : (pick(30) == 0 ? "nosuchtenant" : tenants[pick(tenants.count)])
            let request = AccessRequest(user: "user\(pick(userCount + 8))", action: action, resourceType: type, tenant: tenant)
            if snapshot.decide(request).isAllowed != reference.allows(request) {
                mismatches += 1
                if mismatches < 5 { Issue.record("mismatch for \(request)") }
            }
        }
        #expect(mismatches == 0)
    }
}
