// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPPolicyYAML

/// Loads and compiles policy paths for a command.
enum PolicyInput {
    /// The compiled policy (when there is no error) and every diagnostic of loading and
    /// compiling: the compiler runs even after loader errors, so all problems show at once.
    static func load(_ paths: [String]) -> (snapshot: PolicySnapshot?, diagnostics: Diagnostics) {
        let (document, loadDiagnostics) = PolicyLoader.load(paths: paths)
        var diagnostics = loadDiagnostics
        do {
            let snapshot = try PolicyCompiler.compile(document)
            diagnostics.append(contentsOf: snapshot.warnings)
            return (diagnostics.hasErrors ? nil : snapshot, diagnostics)
        } catch {
            diagnostics.append(contentsOf: error)
            return (nil, diagnostics)
        }
    }

    /// The compiled policy, or every diagnostic (for reloads, which print nothing themselves).
    static func result(_ paths: [String]) -> Result<PolicySnapshot, Diagnostics> {
        let (snapshot, diagnostics) = load(paths)
        return snapshot.map(Result.success) ?? .failure(diagnostics)
    }

    /// The compiled policy, or `nil` after printing why not.
    /// - Parameter quiet: print only errors, and to standard error (`serve`, `load`: their
    ///   standard output is for other things); otherwise every diagnostic goes to standard
    ///   output (`validate`, `check`, `test`, where the diagnostics are the output).
    static func compile(_ paths: [String], quiet: Bool = false) -> PolicySnapshot? {
        let (snapshot, diagnostics) = load(paths)
        let emit: (String) -> Void = quiet ? { writeStandardError($0) } : { print($0) }
        if !quiet || diagnostics.hasErrors {
            for diagnostic in diagnostics.items { emit("\(diagnostic)") }
        }
        if diagnostics.hasErrors {
            let count = diagnostics.errors.count
            emit("\(count) error\(count == 1 ? "" : "s") in \(paths.joined(separator: ", "))")
        }
        return snapshot
    }
}
