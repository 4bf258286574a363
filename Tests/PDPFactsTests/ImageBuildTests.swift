// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPFacts
import PDPStore
import TestSupport
import Testing

/// A restart builds the decision index straight from the files (`EffectiveFacts.build(base:image:)`)
/// instead of from the decoded state; it must give exactly the full rebuild of the final
/// facts, whatever the journal after the snapshot did.
@Suite struct ImageBuildTests {
    /// Keys that exercise every branch: declared users and tenants, roles and tenants the
    /// policy lacks (dangling), and keys that are not ASCII (one not even valid UTF-8 once
    /// encoded as the file would hold it is out of reach of the API, so not generated).
    static let users = ["u1", "u2", "u3", "u4", "u5", "user-with-a-key-longer-than-fifteen-bytes", "yaml-alice", "yaml-bob", "ü-user", "日本"]
    static let roles = ["viewer", "editor", "admin", "ghost"]
    static let tenants = ["default", "acme", "t1", "t2", "gone", "tenant-ü"]

    static func randomMutation(_ generator: inout SplitMix64, time: Int64) -> FactsMutation {
        func pick(_ keys: [String]) -> String { keys[Int(generator.next() % UInt64(keys.count))] }
        let at = Timestamp(millisecondsSinceEpoch: time)
        switch generator.next() % 16 {
        case 0: return .deleteUser(key: pick(users))
        case 1: return .deleteTenant(key: pick(tenants))
        case 2, 3: return .putTenant(TenantRecord(key: pick(tenants), name: "n\(generator.next() % 3)", createdAt: at, updatedAt: at, lastActionAt: at))
        case 4, 5: return .unassign(AssignmentKey(user: pick(users), role: pick(roles), tenant: pick(tenants)))
        case 6, 7, 8: return .putUser(UserRecord(key: pick(users), email: "e@x.io", attributes: ["a": .int(1)], createdAt: at, updatedAt: at))
        default: return .assign(AssignmentKey(user: pick(users), role: pick(roles), tenant: pick(tenants)), at: at)
        }
    }

    /// Everything checks can observe of an index, by keys: each user's roles per tenant,
    /// and the tenants with their fields.
    struct Observed: Equatable {
        var users: [String: [String: [String]]] = [:]
        var tenants: [String: String?] = [:]

        init(_ snapshot: PolicySnapshot) {
            let facts = snapshot.facts
            facts.forEachUser { user, grants in
                var byTenant: [String: [String]] = [:]
                for (tenant, roles) in grants {
                    byTenant[facts.tenant(tenant)?.key ?? "?"] = roles.map { snapshot.policy.roles[$0.index].key }.sorted()
                }
                users[user] = byTenant
            }
            for case let tenant? in facts.tenants { tenants[tenant.key] = tenant.name }
        }
    }

    @Test("the index built from a snapshot and journal equals the full rebuild of the final facts", arguments: 0..<40)
    func equalsFullRebuild(seed: Int) throws {
        let base = try FactsFixtures.snapshot()
        var generator = SplitMix64(seed: UInt64(seed) &* 7919 &+ 1)
        var state = FactsState()
        let snapshotLength = Int(generator.next() % 120)
        for step in 0..<snapshotLength { state.apply(Self.randomMutation(&generator, time: Int64(step))) }
        var transactions: [[FactsMutation]] = []
        for step in 0..<Int(generator.next() % 60) {
            transactions.append((0..<Int(1 + generator.next() % 3)).map { _ in Self.randomMutation(&generator, time: Int64(1000 + step)) })
        }
        let image = FactsImage(snapshotOf: state, transactions: transactions)
        let final = try image.materialize()
        let (expected, expectedDangling) = EffectiveFacts.build(base: base, api: final)
        let built = try #require(try EffectiveFacts.build(base: base, image: image))
        #expect(Observed(built.0) == Observed(expected))
        #expect(built.dangling == expectedDangling)
        #expect(built.summary.danglingCount == expectedDangling.count)
        #expect(built.summary.danglingSample == Array(expectedDangling.prefix(FactsSummary.sampleSize)))
        #expect(built.1.users == final.users.count)
        #expect(built.1.tenants == final.tenants.count)
        #expect(built.1.assignments == final.assignments.count)
        #expect(built.1.position == image.lastSequence)
        // And checks agree on every (user, action, tenant) the keys can form.
        for user in Self.users {
            for tenant in Self.tenants {
                for action in ["read", "write"] {
                    let fast = built.0.decide(AccessRequest(user: user, action: action, resourceType: "task", tenant: tenant)).isAllowed
                    let full = expected.decide(AccessRequest(user: user, action: action, resourceType: "task", tenant: tenant)).isAllowed
                    #expect(fast == full, "\(user) \(action) in \(tenant)")
                }
            }
        }
    }

    @Test("an empty directory and a journal without a snapshot build too")
    func noSnapshot() throws {
        let base = try FactsFixtures.snapshot()
        let at = Timestamp(millisecondsSinceEpoch: 5)
        let image = FactsImage(
            snapshotOf: FactsState(),
            transactions: [[.putUser(UserRecord(key: "solo", createdAt: at, updatedAt: at)), .assign(AssignmentKey(user: "solo", role: "viewer", tenant: "default"), at: at)]])
        let built = try #require(try EffectiveFacts.build(base: base, image: image))
        #expect(built.0.decide(AccessRequest(user: "solo", action: "read", resourceType: "task", tenant: "default")).isAllowed)
        #expect(!built.0.decide(AccessRequest(user: "solo", action: "write", resourceType: "task", tenant: "default")).isAllowed)
        #expect(built.1.users == 1 && built.1.assignments == 1)
    }
}
