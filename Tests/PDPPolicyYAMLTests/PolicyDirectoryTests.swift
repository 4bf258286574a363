// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPCore
import PDPPolicyYAML
import Testing
import TestSupport

/// Loading policies from several files and directories.
@Suite struct PolicyDirectoryTests {
    @Test func aDirectoryMergesItsPolicyFilesInNameOrderAndSkipsTestFiles() {
        let directory = TestPaths.fixture("split-policy")
        let (document, diagnostics) = PolicyLoader.load(paths: [directory])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(document.version?.value == 1)
        #expect(document.version?.location.file == directory + "/10-resources.yaml")
        #expect(document.resources.map(\.key.value) == ["task"])
        #expect(document.roles.map(\.key.value) == ["viewer"])
        #expect(document.roles.first?.key.location == SourceLocation(file: directory + "/20-roles.yml", line: 2, column: 3))
        #expect(document.tenants.map(\.key.value) == ["acme"])
    }

    @Test func filesAndDirectoriesMixAndKeepTheirOwnLocations() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let extra = directory.appendingPathComponent("extra.yaml")
        try "users:\n  alice: {roles: [viewer]}\n  \"bad key\": {}\n".write(to: extra, atomically: true, encoding: .utf8)
        let (document, diagnostics) = PolicyLoader.load(paths: [TestPaths.fixture("split-policy"), extra.path])
        #expect(diagnostics.summary == ["\(extra.path):3:3 invalid-key"])
        #expect(document.users.map(\.key.value) == ["alice"])
        #expect(document.resources.map(\.key.value) == ["task"])
    }

    @Test func aMissingVersionInEveryFileIsReportedOnceAtTheFirstFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "roles: {viewer: {}}\n".write(to: directory.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        try "tenants: {acme: {}}\n".write(to: directory.appendingPathComponent("a.yml"), atomically: true, encoding: .utf8)
        let (_, diagnostics) = PolicyLoader.load(paths: [directory.path])
        #expect(diagnostics.summary == ["\(directory.path)/a.yml:1:1 missing-field"])
    }

    @Test func missingPathsAndEmptyDirectoriesAreUnreadable() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.yaml").path
        let (_, diagnostics) = PolicyLoader.load(paths: [missing, directory.path])
        #expect(diagnostics.summary.sorted() == ["\(directory.path):1:1 unreadable-file", "\(missing):1:1 unreadable-file"].sorted())
    }

    @Test func errorsFromSeveralFilesAreAllReportedSortedByFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "version: 1\nroles: [\n".write(to: directory.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        try "version: 1\nroles: {a: {extend: []}}\n".write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let (_, diagnostics) = PolicyLoader.load(paths: [directory.path])
        #expect(diagnostics.summary == ["\(directory.path)/a.yaml:2:13 unknown-field", "\(directory.path)/b.yaml:3:1 yaml-syntax"])
    }

    @Test func oneHundredThousandUsersLoadQuickly() throws {
        var yaml = "version: 1\nusers:\n"
        for index in 0..<100_000 {
            yaml += "  u\(index): {email: u\(index)@x.io, roles: {default: [viewer], acme: [admin]}}\n"
        }
        yaml += "  u0: {}\n"
        let clock = ContinuousClock()
        var result: (document: PolicyDocument, diagnostics: Diagnostics)?
        let elapsed = clock.measure { result = PolicyLoader.load(yaml: yaml, file: "big.yaml") }
        let (document, diagnostics) = try #require(result)
        #expect(diagnostics.summary == ["big.yaml:100003:3 duplicate-key"])
        #expect(document.users.count == 100_000)
        #expect(document.users.last?.assignments.count == 2)
        // About 2.5 s in a debug build on an idle 2-core machine. The bound is loose because
        // the machine is shared; it still catches quadratic work, which would take minutes.
        // Widened under a sanitizer (48 s under ASan on a loaded machine).
        #expect(elapsed < .seconds(20 * Sanitizers.slowdown), "loading took \(elapsed)")
    }
}
