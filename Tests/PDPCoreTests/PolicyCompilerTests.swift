// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing

@Suite struct PolicyCompilerTests {
    @Test("the task policy compiles with no diagnostics")
    func tasksCompile() throws {
        let snapshot = try PolicyCompiler.compileForTest(.tasks())
        #expect(snapshot.warnings.isEmpty)
        #expect(snapshot.policy.slotCount == 9)
        #expect(snapshot.policy.roles.map(\.key) == ["viewer", "admin"])
        #expect(snapshot.facts.userCount == 3)
    }

    @Test("a permission naming an unknown resource is reported at the permission")
    func unknownResource() {
        var b = PolicyBuilder()
        b.resource("task", ["read"])
        b.role("viewer", ["tusk:read"])
        let found = diagnostics(of: b)
        #expect(found.map(\.code) == [.unknownResource])
        #expect(found.first?.location == SourceLocation(file: "p.yaml", line: 5, column: 5))
        #expect(found.first?.message.contains("'tusk'") == true)
    }

    @Test("a permission naming an undeclared action is reported")
    func unknownAction() {
        var b = PolicyBuilder()
        b.resource("task", ["read"])
        b.role("viewer", ["task:write"])
        #expect(diagnostics(of: b).map(\.code) == [.unknownAction])
    }

    @Test("permissions not written as resource:action are reported", arguments: ["task", "task:", ":read", "a:b:c", ""])
    func malformedPermission(permission: String) {
        var b = PolicyBuilder()
        b.resource("task", ["read"])
        b.role("viewer", [permission])
        #expect(diagnostics(of: b).map(\.code) == [.invalidPermission])
    }

    @Test("resource:* grants every action of that resource only")
    func wildcard() throws {
        var b = PolicyBuilder()
        b.resource("task", ["read", "write"])
        b.resource("doc", ["read"])
        b.role("r", ["task:*"])
        b.user("u", [("r", "default")])
        let s = try PolicyCompiler.compileForTest(b)
        #expect(s.decide(AccessRequest(user: "u", action: "write", resourceType: "task")) == .allowed)
        #expect(s.decide(AccessRequest(user: "u", action: "read", resourceType: "doc")) == .notGranted)
    }

    @Test("unknown roles in extends and assignments, and unknown tenants, are all reported together")
    func unknownReferences() {
        var b = PolicyBuilder()
        b.resource("task", ["read"])
        b.role("viewer", ["task:read"], extends: ["ghost"])
        b.user("u", [("phantom", "default"), ("viewer", "nowhere")])
        let found = diagnostics(of: b)
        #expect(found.map(\.code) == [.unknownRole, .unknownRole, .unknownTenant])
        #expect(found == found.sorted())
    }

    @Test("an inheritance cycle is an error naming every member")
    func cycle() {
        var b = PolicyBuilder()
        b.resource("task", ["read"])
        b.role("a", [], extends: ["b"])
        b.role("b", [], extends: ["c"])
        b.role("c", ["task:read"], extends: ["a"])
        b.role("self", [], extends: ["self"])
        let found = diagnostics(of: b)
        #expect(found.map(\.code) == [.inheritanceCycle, .inheritanceCycle])
        #expect(found.first?.message.contains("a -> b -> c -> a") == true)
        #expect(found.last?.message.contains("self -> self") == true)
    }

    @Test("duplicate resources, actions, roles, tenants and users are reported at the second definition")
    func duplicates() {
        var b = PolicyBuilder()
        b.resource("task", ["read", "read"])
        b.resource("task", ["write"])
        b.role("r", [])
        b.role("r", [])
        b.tenant("t")
        b.tenant("t")
        b.user("u", [])
        b.user("u", [])
        let found = diagnostics(of: b)
        #expect(found.count == 5)
        #expect(found.allSatisfy { $0.code == .duplicateDefinition })
    }

    @Test("inheritance is flattened at any depth")
    func deepInheritance() throws {
        var b = PolicyBuilder()
        b.resource("doc", (0..<300).map { "a\($0)" })
        for level in 0..<300 {
            b.role("r\(level)", ["doc:a\(level)"], extends: level == 0 ? [] : ["r\(level - 1)"])
        }
        b.user("top", [("r299", "default")])
        b.user("mid", [("r150", "default")])
        let s = try PolicyCompiler.compileForTest(b)
        #expect(s.decide(AccessRequest(user: "top", action: "a0", resourceType: "doc")) == .allowed)
        #expect(s.decide(AccessRequest(user: "mid", action: "a150", resourceType: "doc")) == .allowed)
        #expect(s.decide(AccessRequest(user: "mid", action: "a151", resourceType: "doc")) == .notGranted)
        let path = s.explain(AccessRequest(user: "mid", action: "a148", resourceType: "doc")).grantingRoles
        #expect(path == [["r150", "r149", "r148"]])
    }
}
