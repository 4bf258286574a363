// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing

@Suite struct PolicyDiffTests {
    @Test("identical policies have no differences")
    func identical() throws {
        let a = try PolicyCompiler.compileForTest(.tasks())
        let b = try PolicyCompiler.compileForTest(.tasks())
        #expect(PolicyDiff(from: a, to: b).isEmpty)
    }

    @Test("moving a permission between roles shows up on the roles and on the users who hold them")
    func movedPermission() throws {
        let old = try PolicyCompiler.compileForTest(.tasks())
        var changed = PolicyBuilder()
        changed.resource("task", ["create", "read", "readall", "update", "updateany", "delete", "deleteany", "assign"])
        changed.resource("analytics", ["read"])
        changed.resource("report", ["export"])
        // viewer gains readall; admin loses assign and gains report:export.
        changed.role("viewer", ["task:create", "task:read", "task:update", "task:delete", "task:readall"])
        changed.role("admin", ["task:updateany", "task:deleteany", "analytics:*", "report:export"], extends: ["viewer"])
        changed.role("auditor", ["analytics:read"])
        changed.tenant("acme")
        changed.user("vera", [("viewer", "default")])
        changed.user("ada", [("admin", "default"), ("viewer", "acme")])
        let new = try PolicyCompiler.compileForTest(changed)
        let diff = PolicyDiff(from: old, to: new)
        #expect(!diff.isEmpty)
        #expect(diff.roles.map(\.role) == ["admin", "auditor", "viewer"])
        #expect(diff.roles[0].gained == ["report:export"])
        #expect(diff.roles[0].lost == ["task:assign"])
        #expect(diff.roles[1].status == .added)
        #expect(diff.roles[2].gained == ["task:readall"] && diff.roles[2].lost.isEmpty)
        let vera = diff.users.filter { $0.user == "vera" }
        #expect(vera.count == 1 && vera[0].gained == ["task:readall"])
        let adaAcme = diff.users.first { $0.user == "ada" && $0.tenant == "acme" }
        #expect(adaAcme?.gained == ["task:readall"])
        // nora holds no role in either version.
        #expect(!diff.users.contains { $0.user == "nora" })
    }
}
