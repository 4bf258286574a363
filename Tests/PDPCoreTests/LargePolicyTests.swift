// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing

@Suite struct LargePolicyTests {
    @Test("1,000 roles x 200 resource types x 10 actions x 100,000 users compiles and decides correctly")
    func largePolicy() throws {
        var document = PolicyDocument(version: Located(1, at: .unknown))
        for t in 0..<200 {
            document.resources.append(
                ResourceDefinition(key: Located("res\(t)", at: .unknown), actions: (0..<10).map { Located("a\($0)", at: .unknown) }))
        }
        for r in 0..<1_000 {
            let permissions = (0..<20).map { i in Located("res\((r + i * 13) % 200):a\((r + i) % 10)", at: .unknown) }
            let extends = r >= 10 && r % 10 == 0 ? [Located("role\(r - 10)", at: .unknown)] : []
            document.roles.append(RoleDefinition(key: Located("role\(r)", at: .unknown), permissions: permissions, extends: extends))
        }
        for u in 0..<100_000 {
            document.users.append(
                UserDefinition(
                    key: Located("user\(u)", at: .unknown),
                    assignments: [RoleAssignmentDefinition(role: Located("role\(u % 1_000)", at: .unknown), tenant: Located("default", at: .unknown))]))
        }
        let snapshot = try PolicyCompiler.compile(document)
        #expect(snapshot.policy.slotCount == 2_000)
        #expect(snapshot.facts.userCount == 100_000)
        // user7 holds role7, which grants res7:a7 (i = 0).
        #expect(snapshot.decide(AccessRequest(user: "user7", action: "a7", resourceType: "res7")).isAllowed)
        // role20 extends role10 extends role0: res0:a0 is inherited.
        #expect(snapshot.decide(AccessRequest(user: "user20", action: "a0", resourceType: "res0")).isAllowed)
        #expect(snapshot.decide(AccessRequest(user: "user21", action: "a0", resourceType: "res0")) == .notGranted)
        #expect(snapshot.authorizedUsers(action: "a7", resourceType: "res7").count >= 100)
    }
}
