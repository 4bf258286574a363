// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML
import Testing

@Suite struct PolicyLoaderTests {
    @Test func theTaskPolicyLoadsWithoutDiagnostics() throws {
        let path = TestPaths.policies + "/tasks.yaml"
        let (document, diagnostics) = PolicyLoader.load(paths: [path])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(document.version?.value == 1)
        #expect(document.version?.location == SourceLocation(file: path, line: 7, column: 10))
        #expect(document.resources.map(\.key.value) == ["task", "user", "analytics"])
        let task = try #require(document.resources.first)
        #expect(task.name == "Task")
        #expect(task.actions.map(\.value) == ["create", "read", "readall", "update", "updateany", "delete", "deleteany", "assign"])
        #expect(task.actions.first?.location == SourceLocation(file: path, line: 12, column: 15))
        #expect(task.attributes.map(\.name.value) == ["owner", "assignee"])
        #expect(task.attributes.map(\.type.value) == ["string", "string"])
        #expect(document.roles.map(\.key.value) == ["viewer", "admin"])
        let admin = try #require(document.roles.last)
        #expect(admin.extends.map(\.value) == ["viewer"])
        #expect(admin.permissions.map(\.value) == ["task:readall", "task:updateany", "task:deleteany", "task:assign", "user:*", "analytics:read"])
        #expect(admin.key.location == SourceLocation(file: path, line: 31, column: 3))
        #expect(document.tenants.map(\.key.value) == ["default"])
        #expect(document.tenants.first?.name == "Default")
        #expect(document.users.isEmpty)
    }

    @Test func everyFieldOfTheFormatIsMapped() throws {
        let yaml = """
            version: 1
            resources:
              task:
                name: Task
                description: A to-do item
                actions: [read]
            roles:
              viewer:
                name: Viewer
                description: Reads
                permissions: [task:read]
                extends: []
            tenants:
              acme:
                name: Acme Inc.
                description: A customer
                attributes: {plan: pro, seats: 12}
            users:
              alice:
                email: alice@example.com
                first_name: Alice
                last_name: Liddell
                attributes: {age: 30}
                roles: [viewer]
            """
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let resource = try #require(document.resources.first)
        #expect(resource.description == "A to-do item")
        let role = try #require(document.roles.first)
        #expect(role.name == "Viewer" && role.description == "Reads")
        let tenant = try #require(document.tenants.first)
        #expect(tenant.name == "Acme Inc." && tenant.description == "A customer")
        #expect(tenant.attributes == ["plan": .string("pro"), "seats": .int(12)])
        let user = try #require(document.users.first)
        #expect(user.email == "alice@example.com")
        #expect(user.firstName == "Alice" && user.lastName == "Liddell")
        #expect(user.attributes == ["age": .int(30)])
    }

    @Test func aRoleListAssignsRolesInTheDefaultTenant() throws {
        let yaml = """
            version: 1
            users:
              alice:
                roles: [admin, viewer]
            """
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let assignments = try #require(document.users.first?.assignments)
        #expect(assignments.map(\.role.value) == ["admin", "viewer"])
        #expect(assignments.map(\.tenant.value) == ["default", "default"])
        #expect(assignments.first?.role.location == SourceLocation(file: "p.yaml", line: 4, column: 13))
        #expect(assignments.first?.tenant.location == SourceLocation(file: "p.yaml", line: 4, column: 13))
    }

    @Test func aRoleMappingAssignsRolesPerTenant() throws {
        let yaml = """
            version: 1
            users:
              bob:
                roles:
                  default: [viewer]
                  acme: [admin, viewer]
            """
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let assignments = try #require(document.users.first?.assignments)
        #expect(assignments.map { "\($0.tenant.value)/\($0.role.value)" } == ["default/viewer", "acme/admin", "acme/viewer"])
        #expect(assignments[1].tenant.location == SourceLocation(file: "p.yaml", line: 6, column: 7))
        #expect(assignments[1].role.location == SourceLocation(file: "p.yaml", line: 6, column: 14))
    }

    @Test func attributesResolveTheCoreSchemaAndQuotedScalarsStayStrings() throws {
        let yaml = """
            version: 1
            tenants:
              acme:
                attributes:
                  none: ~
                  empty:
                  yes_bool: true
                  no_bool: False
                  count: -42
                  octal: 0o17
                  hex: 0xff
                  ratio: 2.5
                  exp: 1e3
                  infinite: -.inf
                  quoted_number: "42"
                  quoted_bool: 'true'
                  tagged: !!str 7
                  word: yes
                  version: 1.2.3
                  huge: 123456789012345678901234567890
                  list: [1, two, [3]]
                  nested: {a: {b: null}}
            """
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let attributes = try #require(document.tenants.first?.attributes)
        let expected: [String: AttributeValue] = [
            "none": .null, "empty": .null, "yes_bool": .bool(true), "no_bool": .bool(false),
            "count": .int(-42), "octal": .int(15), "hex": .int(255), "ratio": .double(2.5),
            "exp": .double(1000), "infinite": .double(-.infinity), "quoted_number": .string("42"),
            "quoted_bool": .string("true"), "tagged": .string("7"), "word": .string("yes"),
            "version": .string("1.2.3"), "huge": .double(123456789012345678901234567890),
            "list": .array([.int(1), .string("two"), .array([.int(3)])]),
            "nested": .object(["a": .object(["b": .null])]),
        ]
        #expect(attributes == expected)
    }

    @Test func plainNumbersAreAcceptedAsNames() throws {
        let yaml = """
            version: 1
            resources:
              123:
                actions: [1, 2.5]
            users:
              42: {roles: [7]}
            """
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(document.resources.first?.key.value == "123")
        #expect(document.resources.first?.actions.map(\.value) == ["1", "2.5"])
        #expect(document.users.first?.key.value == "42")
        #expect(document.users.first?.assignments.first?.role.value == "7")
    }

    @Test func nullSectionsAndDefinitionsReadAsEmpty() {
        let yaml = """
            version: 1
            roles:
              viewer:
              editor: {permissions: ~, extends: null}
            tenants:
            users:
              alice:
            """
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(document.roles.map(\.key.value) == ["viewer", "editor"])
        #expect(document.roles.allSatisfy { $0.permissions.isEmpty && $0.extends.isEmpty })
        #expect(document.users.map(\.key.value) == ["alice"])
    }

    @Test func anEmptyFileIsAnEmptyPolicyWithoutAVersion() {
        for text in ["", "# only a comment\n", "---\n...\n"] {
            let (document, diagnostics) = PolicyLoader.load(yaml: text, file: "empty.yaml")
            #expect(document.resources.isEmpty && document.roles.isEmpty && document.version == nil)
            #expect(diagnostics.summary == ["empty.yaml:1:1 missing-field"])
        }
    }
}
