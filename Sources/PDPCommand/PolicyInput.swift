// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML

/// Loads and compiles policy paths for a command, printing every diagnostic.
enum PolicyInput {
    /// The compiled policy, or every diagnostic (for reloads, which print nothing themselves).
    static func load(_ paths: [String]) -> Result<PolicySnapshot, Diagnostics> {
        let (document, loadDiagnostics) = PolicyLoader.load(paths: paths)
        if loadDiagnostics.hasErrors { return .failure(loadDiagnostics) }
        do {
            return .success(try PolicyCompiler.compile(document))
        } catch {
            var diagnostics = loadDiagnostics
            diagnostics.append(contentsOf: error)
            return .failure(diagnostics)
        }
    }

    /// The compiled policy, or `nil` after printing why not.
    static func compile(_ paths: [String], quiet: Bool = false) -> PolicySnapshot? {
        let (document, loadDiagnostics) = PolicyLoader.load(paths: paths)
        var diagnostics = loadDiagnostics
        var snapshot: PolicySnapshot?
        do {
            snapshot = try PolicyCompiler.compile(document)
            diagnostics.append(contentsOf: snapshot?.warnings ?? Diagnostics())
        } catch {
            diagnostics.append(contentsOf: error)
        }
        if !quiet || diagnostics.hasErrors {
            for diagnostic in diagnostics.items { print(diagnostic) }
        }
        if diagnostics.hasErrors {
            let count = diagnostics.errors.count
            print("\(count) error\(count == 1 ? "" : "s") in \(paths.joined(separator: ", "))")
            return nil
        }
        return snapshot
    }
}
