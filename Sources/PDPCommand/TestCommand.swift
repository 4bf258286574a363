// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import PDPCore
import PDPPolicyYAML

import Foundation

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run decision test files (*_test.yaml) against their policy.",
        discussion: """
            Each file names its policy with `policy:` (relative to the file); --policy overrides \
            it. A directory runs every *_test.yaml in it. Every failing case is printed with its \
            location and the reason for the actual decision. Exits 4 when any case fails, 3 when \
            a policy or test file is invalid.
            """
    )

    @Argument(help: "Test files or directories.")
    var paths: [String]

    @Option(name: .long, help: "Policy file or directory to test against (repeatable; overrides `policy:`).")
    var policy: [String] = []

    func run() throws {
        var passed = 0
        var failed = 0
        var invalid = false
        for file in try testFiles() {
            let (suite, diagnostics) = DecisionTestLoader.load(path: file)
            diagnostics.items.forEach { print($0) }
            if diagnostics.hasErrors {
                invalid = true
                continue
            }
            let policyPaths = policy.isEmpty ? [suitePolicyPath(suite, file: file)] : policy
            guard let snapshot = PolicyInput.compile(policyPaths, quiet: true) else {
                invalid = true
                continue
            }
            let report = suite.run(against: snapshot)
            report.diagnostics.items.forEach { print($0) }
            invalid = invalid || report.diagnostics.hasErrors
            for failure in report.failures {
                let expected = failure.testCase.expectedAllow ? "allow" : "deny"
                print("\(failure.testCase.location): FAIL \(failure.testCase.name): expected \(expected); \(failure.explanation.summary)")
            }
            passed += report.passed
            failed += report.failures.count
            print("\(file): \(report.passed) passed, \(report.failures.count) failed")
        }
        print("\(passed) passed, \(failed) failed")
        if invalid { throw Status.invalidPolicy }
        if failed > 0 { throw Status.testsFailed }
    }

    private func suitePolicyPath(_ suite: DecisionTestSuite, file: String) -> String {
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard let relative = suite.policyPath?.value else { return directory }
        return relative.hasPrefix("/") ? relative : "\(directory)/\(relative)"
    }

    private func testFiles() throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UsageFailure.exit("No such file or directory: \(path)", command: Self.self)
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
            files += names.filter { $0.hasSuffix("_test.yaml") || $0.hasSuffix("_test.yml") }.sorted().map { "\(path)/\($0)" }
        }
        return files
    }
}
