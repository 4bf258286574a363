// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPCore
@testable import PDPPolicyYAML
import Testing
import TestSupport

/// The YAML layer: syntax errors, unsupported YAML, limits, and inputs that must not crash.
@Suite struct YAMLReaderTests {
    private func diagnose(_ yaml: String) -> Diagnostics {
        PolicyLoader.load(yaml: yaml, file: "p.yaml").diagnostics
    }

    @Test func aSyntaxErrorCarriesLibYAMLsProblemAndPosition() throws {
        let diagnostics = diagnose("version: 1\nroles: [viewer, admin\n")
        #expect(diagnostics.summary == ["p.yaml:3:1 yaml-syntax"])
        let message = try #require(diagnostics.items.first?.message)
        #expect(message.contains("did not find expected ',' or ']'"))
        #expect(message.contains("line 2, column 8"))
    }

    @Test func badIndentationIsASyntaxError() {
        #expect(diagnose("version: 1\nroles:\n  viewer: {}\n admin: {}\n").summary == ["p.yaml:4:2 yaml-syntax"])
    }

    @Test func invalidUTF8IsASyntaxErrorAtTheBadByte() throws {
        let bytes: [UInt8] = Array("version: 1\nroles:\n  v".utf8) + [0xFF, 0xFE] + Array(": {}\n".utf8)
        let (root, diagnostics) = YAMLTreeBuilder.build(bytes: bytes, file: "p.yaml")
        #expect(root == nil)
        #expect(diagnostics.map { "\($0.location) \($0.code.rawValue)" } == ["p.yaml:3:4 yaml-syntax"])
        #expect(try #require(diagnostics.first).message.contains("UTF-8"))
    }

    @Test func aNULByteIsASyntaxError() {
        let (_, diagnostics) = PolicyLoader.load(yaml: "version: 1\nroles: {a\u{0}b: {}}\n", file: "p.yaml")
        #expect(diagnostics.summary == ["p.yaml:2:10 yaml-syntax"])
    }

    @Test func anchorsAndAliasesAreUnsupported() {
        let diagnostics = diagnose("""
            version: 1
            roles:
              viewer: &base {permissions: [task:read]}
              admin: *base
            """)
        #expect(diagnostics.summary == ["p.yaml:3:11 unsupported-yaml", "p.yaml:4:10 unsupported-yaml"])
    }

    @Test func customTagsAreUnsupported() {
        #expect(diagnose("version: 1\nroles: {viewer: !role {}}\n").summary == ["p.yaml:2:17 unsupported-yaml"])
    }

    @Test func aSecondDocumentIsUnsupported() {
        let diagnostics = diagnose("version: 1\n---\nroles: {}\n")
        #expect(diagnostics.summary == ["p.yaml:2:1 unsupported-yaml"])
    }

    @Test func aFileOverEightMiBIsRejectedBeforeParsing() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("huge.yaml")
        var generator = SplitMix64(seed: 7)
        let block = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var garbage = Data(capacity: 10 * 1024 * 1024)
        for _ in 0..<(10 * 1024 * 1024 / block.count) { garbage.append(contentsOf: block) }
        try garbage.write(to: file)
        let clock = ContinuousClock()
        var diagnostics = Diagnostics()
        let elapsed = clock.measure { diagnostics = PolicyLoader.load(paths: [file.path]).diagnostics }
        #expect(diagnostics.summary == ["\(file.path):1:1 limit-exceeded"])
        #expect(elapsed < .seconds(5))
    }

    @Test func inMemoryTextOverEightMiBIsRejectedBeforeParsing() {
        let text = String(repeating: "[", count: 8 * 1024 * 1024 + 1)
        #expect(diagnose(text).summary == ["p.yaml:1:1 limit-exceeded"])
    }

    @Test func tenThousandNestedFlowSequencesStopAtTheDepthLimit() {
        let clock = ContinuousClock()
        var diagnostics = Diagnostics()
        let elapsed = clock.measure { diagnostics = diagnose(String(repeating: "[", count: 10_000)) }
        #expect(diagnostics.summary == ["p.yaml:1:65 limit-exceeded"])
        #expect(elapsed < .seconds(5))
    }

    @Test func sixtyFourLevelsAreAcceptedAndSixtyFiveAreNot() {
        func nested(_ depth: Int) -> String {
            // Four mappings (root, tenants, a, attributes), then sequences.
            "version: 1\ntenants: {a: {attributes: {x: " + String(repeating: "[", count: depth - 4) + String(repeating: "]", count: depth - 4) + "}}}\n"
        }
        #expect(diagnose(nested(64)).isEmpty)
        #expect(diagnose(nested(65)).summary == ["p.yaml:2:91 limit-exceeded"])
    }

    @Test func deeplyNestedBlockMappingsStopAtTheDepthLimit() {
        let text = (0..<200).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        #expect(diagnose(text).summary == ["p.yaml:65:65 limit-exceeded"])
    }

    @Test func theNodeCountIsLimited() {
        let limits = YAMLLimits(maxBytes: 1024, maxDepth: 64, maxNodes: 10)
        let (root, diagnostics) = YAMLTreeBuilder.build(bytes: Array("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]".utf8), file: "p.yaml", limits: limits)
        #expect(root == nil)
        #expect(diagnostics.map { "\($0.location) \($0.code.rawValue)" } == ["p.yaml:1:29 limit-exceeded"])
    }

    @Test func randomBytesNeverCrashAndOnlyYieldKnownCodes() {
        let allowed: Set<String> = [
            "yaml-syntax", "type-mismatch", "missing-field", "unsupported-yaml", "duplicate-key",
            "unknown-field", "empty-name", "invalid-key", "unsupported-version", "limit-exceeded",
        ]
        var generator = SplitMix64(seed: 2024)
        let alphabet = Array("version: 1\nroles:- [ ]{ },:&*!|>'\"#%@`?\t\u{0}\u{1B}é".utf8) + [0xC3, 0xFF, 0x80]
        for round in 0..<300 {
            let length = Int(generator.next() % 400)
            let bytes = (0..<length).map { _ in
                round % 2 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            let (_, diagnostics) = YAMLTreeBuilder.build(bytes: bytes, file: "r.yaml")
            var mapper = NodeMapper()
            _ = mapper.policyFile(YAMLTreeBuilder.build(bytes: bytes, file: "r.yaml").root)
            let codes = Set((diagnostics + mapper.diagnostics).map(\.code.rawValue))
            #expect(codes.isSubset(of: allowed), "round \(round): \(codes)")
        }
    }

    @Test("a billion laughs is rejected at its first anchors and aliases, never expanded")
    func billionLaughs() {
        // Twelve levels of ten aliases to the level before: 10^12 "lol"s if expanded. Aliases
        // are reported, not expanded, and the 101st problem stops the reading.
        var text = "version: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...12 {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let summary = diagnose(text).summary
        #expect(summary.count == 101)
        #expect(summary.first == "p.yaml:2:5 unsupported-yaml")
        #expect(summary.dropLast().allSatisfy { $0.hasSuffix("unsupported-yaml") })
        // Problem 101: line 11 (level 9) holds problems 90-100 (its anchor, then ten aliases
        // at columns 10, 15, ...); line 12's anchor is the 101st.
        #expect(summary.last == "p.yaml:12:6 limit-exceeded", "\(summary.suffix(3))")
    }

    @Test("1.2 million aliases stop after the hundredth problem, with one limit-exceeded")
    func aMillionAliases() throws {
        // 4.8 MB: under the size limit and the node limit. Once a reload took 12.7 s and
        // 479 MB, and logged 217 MB, to reject this: a diagnostic per alias.
        let aliases = Array(repeating: "*r", count: 1_200_000).joined(separator: ", ")
        let text = "version: 1\nroles: &r {}\nx: [" + aliases + "]\n"
        let (root, diagnostics) = YAMLTreeBuilder.build(bytes: Array(text.utf8), file: "p.yaml")
        #expect(root == nil)
        #expect(diagnostics.count == 101)
        // The anchor is problem 1, aliases 1-99 are problems 2-100; alias 100 (column 5 + 4 * 99) stops it.
        let last = try #require(diagnostics.last)
        #expect("\(last.location) \(last.code.rawValue)" == "p.yaml:3:401 limit-exceeded")
        #expect(last.message == "more than 100 problems in this file; stopped reading it here (fix the ones above first)")
        #expect(diagnose(text).summary.count == 101, "nothing more from the mapper or a missing version")
    }

    @Test("the mapper lists the first hundred problems of a file and counts the rest")
    func mapperProblemsAreCapped() throws {
        let permissions = Array(repeating: "[]", count: 1000).joined(separator: ", ")
        let diagnostics = diagnose("version: 1\nroles: {viewer: {permissions: [\(permissions)]}}\n")
        #expect(diagnostics.items.count == 101)
        #expect(diagnostics.items.prefix(100).allSatisfy { $0.code == .typeMismatch })
        let last = try #require(diagnostics.items.last)
        #expect(last.code == .limitExceeded)
        #expect(last.message == "900 more problems in this file not listed; fix the 100 above first")
        // At the 101st `[]`: column 32 + 4 * 100.
        #expect("\(last.location)" == "p.yaml:2:432")
    }
}
