// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML
import Testing

/// Each structural diagnostic the policy loader produces, with its exact location.
@Suite struct PolicyDiagnosticsTests {
    private func diagnose(_ yaml: String) -> Diagnostics {
        PolicyLoader.load(yaml: yaml, file: "p.yaml").diagnostics
    }

    @Test func aDuplicateKeyIsReportedAtTheSecondOccurrenceNamingTheFirstLine() throws {
        let diagnostics = diagnose("""
            version: 1
            roles:
              viewer: {}
              admin: {}
              viewer: {permissions: [task:read]}
            """)
        #expect(diagnostics.summary == ["p.yaml:5:3 duplicate-key"])
        let message = try #require(diagnostics.items.first?.message)
        #expect(message.contains("`viewer`") && message.contains("line 3"))
    }

    @Test func duplicateKeysAreFoundInEveryMappingIncludingFlowAndAttributes() {
        let (document, diagnostics) = PolicyLoader.load(yaml: """
            version: 1
            tenants:
              acme: {name: A, name: B, attributes: {plan: pro, plan: free}}
            """, file: "p.yaml")
        #expect(diagnostics.summary == ["p.yaml:3:19 duplicate-key", "p.yaml:3:52 duplicate-key"])
        #expect(document.tenants.first?.name == "A")
        #expect(document.tenants.first?.attributes == ["plan": .string("pro")])
    }

    @Test func aListWhereAStringBelongsIsATypeMismatch() throws {
        let diagnostics = diagnose("""
            version: 1
            resources:
              task:
                actions: {read: yes}
                name: [Task]
            """)
        #expect(diagnostics.summary == ["p.yaml:4:14 type-mismatch", "p.yaml:5:11 type-mismatch"])
        #expect(diagnostics.items.first?.message == "`actions` must be a list of strings, found a mapping")
        #expect(diagnostics.items.last?.message == "`name` must be a string, found a list")
    }

    @Test func sectionsAndItemsOfTheWrongTypeAreTypeMismatches() {
        let diagnostics = diagnose("""
            version: 1
            roles: [viewer]
            tenants: acme
            users:
              alice: {roles: admin}
              bob: {roles: {acme: [[admin]]}}
            resources:
              task: [read]
            """)
        #expect(diagnostics.summary == [
            "p.yaml:2:8 type-mismatch", "p.yaml:3:10 type-mismatch", "p.yaml:5:18 type-mismatch",
            "p.yaml:6:24 type-mismatch", "p.yaml:8:9 type-mismatch",
        ])
    }

    @Test func aPolicyFileThatIsNotAMappingIsATypeMismatch() {
        #expect(diagnose("- version: 1\n").summary == ["p.yaml:1:1 missing-field", "p.yaml:1:1 type-mismatch"])
    }

    @Test func anUnknownAttributeTypeIsATypeMismatch() throws {
        let diagnostics = diagnose("""
            version: 1
            resources:
              task:
                actions: []
                attributes: {owner: strng, size: number}
            """)
        #expect(diagnostics.summary == ["p.yaml:5:25 type-mismatch"])
        #expect(try #require(diagnostics.items.first).message.contains("`strng`"))
    }

    @Test func unknownFieldsAreReportedAtTheirKeys() throws {
        let diagnostics = diagnose("""
            version: 1
            roles:
              admin:
                extend: [viewer]
            resources:
              task: {actions: [read], action: [write]}
            polices: {}
            """)
        #expect(diagnostics.summary == ["p.yaml:4:5 unknown-field", "p.yaml:6:27 unknown-field", "p.yaml:7:1 unknown-field"])
        let message = try #require(diagnostics.items.first?.message)
        #expect(message.contains("`extend`") && message.contains("role `admin`") && message.contains("`extends`"))
    }

    @Test func aMissingVersionIsOneErrorAtTheStartOfTheFile() {
        #expect(diagnose("roles: {viewer: {}}\n").summary == ["p.yaml:1:1 missing-field"])
    }

    @Test func aResourceWithoutActionsIsAMissingField() {
        #expect(diagnose("version: 1\nresources:\n  task: {name: Task}\n").summary == ["p.yaml:3:3 missing-field"])
    }

    @Test(arguments: [
        ("version: 2", "p.yaml:1:10"), ("version: \"1\"", "p.yaml:1:10"), ("version: 1.0", "p.yaml:1:10"),
        ("version: one", "p.yaml:1:10"), ("version: [1]", "p.yaml:1:10"), ("version:", "p.yaml:1:9"),
    ])
    func aVersionOtherThanASupportedIntegerIsUnsupported(line: String, location: String) {
        #expect(diagnose(line + "\n").summary == ["\(location) unsupported-version"])
    }

    @Test func emptyAndNullNamesAreEmptyNames() {
        let diagnostics = diagnose("""
            version: 1
            roles:
              "": {}
              ~: {}
              viewer: {extends: [""], permissions: [~]}
            resources:
              task: {actions: [read, ""]}
            """)
        #expect(diagnostics.summary == [
            "p.yaml:3:3 empty-name", "p.yaml:4:3 empty-name", "p.yaml:5:22 empty-name",
            "p.yaml:5:41 empty-name", "p.yaml:7:26 empty-name",
        ])
    }

    @Test func keysWithCharactersOutsideTheAllowedSetAreInvalid() throws {
        let (document, diagnostics) = PolicyLoader.load(yaml: """
            version: 1
            resources:
              my task: {actions: [read]}
              "task:x": {actions: [read]}
              doc: {actions: [read, "wr*te", "ok_-.@+"]}
            roles:
              "vïewer": {}
            tenants:
              "ac/me": {}
            users:
              "al\\tice": {}
            """, file: "p.yaml")
        #expect(diagnostics.summary == [
            "p.yaml:3:3 invalid-key", "p.yaml:4:3 invalid-key", "p.yaml:5:25 invalid-key",
            "p.yaml:7:3 invalid-key", "p.yaml:9:3 invalid-key", "p.yaml:11:3 invalid-key",
        ])
        #expect(diagnostics.items.first?.message.contains("a space") == true)
        #expect(document.resources.map(\.key.value) == ["doc"])
        #expect(document.resources.first?.actions.map(\.value) == ["read", "ok_-.@+"])
    }

    @Test func aListOrMappingUsedAsAKeyIsATypeMismatch() {
        #expect(diagnose("version: 1\nroles:\n  ? [a, b]\n  : {}\n").summary == ["p.yaml:3:5 type-mismatch"])
    }

    @Test func everyProblemInAFileIsReportedSorted() {
        let diagnostics = diagnose("""
            roles:
              admin:
                extend: [viewer]
                permissions: read
              admin: {}
            resources:
              "bad key": {actions: [read]}
            tenants:
              acme: {plan: pro}
            """)
        #expect(diagnostics.summary == [
            "p.yaml:1:1 missing-field", "p.yaml:3:5 unknown-field", "p.yaml:4:18 type-mismatch",
            "p.yaml:5:3 duplicate-key", "p.yaml:7:3 invalid-key", "p.yaml:9:10 unknown-field",
        ])
        #expect(diagnostics.items == diagnostics.items.sorted())
        #expect(diagnostics.description.hasPrefix("p.yaml:1:1: error[missing-field]: "))
    }
}
