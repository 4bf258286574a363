// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Reads policy YAML (see `policies/README.md`) into a ``PDPCore/PolicyDocument``.
///
/// The loader checks structure and the syntax of each name: YAML well-formedness, size,
/// depth and node limits, duplicate keys, field types, unknown and missing fields, the
/// `version`, and key characters. It reports every problem it finds, never only the
/// first; what needs the whole policy (unknown roles, resources or tenants, cycles,
/// duplicate definitions across files) is left to the compiler.
///
/// The loader never traps, whatever the input: binary data, invalid UTF-8, huge or deeply
/// nested files all come back as diagnostics.
public enum PolicyLoader {
    /// Loads and merges the policy at `paths`.
    ///
    /// Each path is a file or a directory; a directory contributes every `*.yaml` / `*.yml`
    /// file directly inside it, except `*_test.yaml` / `*_test.yml` and hidden files, in
    /// name order. Files merge with ``PDPCore/PolicyDocument/merge(_:)``.
    ///
    /// - Returns: the merged document (with whatever could be read, even when there are
    ///   errors) and every diagnostic, sorted. Failure modes, by code: `unreadable-file`
    ///   (missing path, unreadable file, directory without policy files), `limit-exceeded`
    ///   (file over 8 MiB, nesting over 64, over 2,000,000 nodes; over 100 problems in one
    ///   file: reading stops at the 101st, or the mapper lists 100 and counts the rest),
    ///   `yaml-syntax`,
    ///   `unsupported-yaml` (anchors, aliases, custom tags, several documents in a file),
    ///   `duplicate-key`, `type-mismatch`, `unknown-field`, `missing-field` (no `version`
    ///   in any file: reported once, at 1:1 of the first file; a resource without
    ///   `actions`), `unsupported-version`, `empty-name`, `invalid-key`.
    public static func load(paths: [String]) -> (document: PolicyDocument, diagnostics: Diagnostics) {
        var document = PolicyDocument()
        var diagnostics: [Diagnostic] = []
        var firstFile: String?
        var hasVersionKey = false
        for path in paths {
            let files: [String]
            switch SourceFiles.policyFiles(at: path) {
            case .success(let found): files = found
            case .failure(let error):
                diagnostics.append(error.diagnostic)
                continue
            }
            for file in files {
                switch SourceFiles.read(file) {
                case .failure(let error):
                    diagnostics.append(error.diagnostic)
                case .success(let bytes):
                    let mapped = mapFile(bytes: bytes, file: file, diagnostics: &diagnostics)
                    firstFile = firstFile ?? file
                    hasVersionKey = hasVersionKey || mapped.hasVersionKey
                    document.merge(mapped.document)
                }
            }
        }
        if let firstFile, !hasVersionKey {
            diagnostics.append(missingVersion(in: firstFile))
        }
        return (document, Diagnostics(diagnostics))
    }

    /// Loads one policy file from memory; `file` labels its diagnostics.
    ///
    /// - Returns: the document and every diagnostic, sorted; the same codes as
    ///   ``load(paths:)`` except `unreadable-file`. Text longer than 8 MiB (in UTF-8) is
    ///   `limit-exceeded` without being parsed.
    public static func load(yaml: String, file: String) -> (document: PolicyDocument, diagnostics: Diagnostics) {
        var diagnostics: [Diagnostic] = []
        let mapped = mapFile(bytes: yaml.utf8, file: file, diagnostics: &diagnostics)
        if !mapped.hasVersionKey {
            diagnostics.append(missingVersion(in: file))
        }
        return (mapped.document, Diagnostics(diagnostics))
    }

    private static func mapFile(bytes: some Collection<UInt8>, file: String, diagnostics: inout [Diagnostic]) -> MappedPolicyFile {
        let (root, readProblems) = YAMLTreeBuilder.build(bytes: bytes, file: file)
        diagnostics += readProblems
        // A file that could not be read at all must not also report a missing version.
        if root == nil, readProblems.contains(where: { $0.code == .yamlSyntax || $0.code == .limitExceeded || $0.code == .unsupportedYAML }) {
            return MappedPolicyFile(hasVersionKey: true)
        }
        var mapper = NodeMapper()
        let mapped = mapper.policyFile(root)
        diagnostics += mapper.diagnostics
        return mapped
    }

    private static func missingVersion(in file: String) -> Diagnostic {
        let supported = PolicyDocument.supportedVersions.lowerBound
        return Diagnostic(
            .missingField, "the policy has no `version`; add `version: \(supported)` to one of its files",
            at: SourceLocation(file: file, line: 1, column: 1)
        )
    }
}
