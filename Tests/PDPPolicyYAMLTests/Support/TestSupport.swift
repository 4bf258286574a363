// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPCore

/// Paths of the fixtures and the repository's policies, found from this file's path
/// (reliable on Linux, where `Bundle.module` lookups depend on the build layout).
enum TestPaths {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures").path
    static let repository = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let policies = repository.appendingPathComponent("policies").path

    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdp-yaml-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension Diagnostics {
    /// `file:line:column code` for each diagnostic, in order: what most tests compare.
    var summary: [String] {
        items.map { "\($0.location) \($0.code.rawValue)" }
    }

    var codes: [String] { items.map(\.code.rawValue) }
}
