// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Reads decision test files (`*_test.yaml`, see `policies/README.md`) into a
/// ``PDPCore/DecisionTestSuite``.
///
/// A test is a single case (`name`, `user`, `action`, `resource`, `tenant?`, `expect`) or
/// a matrix (`name`, `user`, `resource`, `tenant?`, `allowed`, `denied`) that expands to one
/// case per action, named "<name>: <action>" and located at the action. `resource` is
/// `type`, `type:key` or `{type, key?, tenant?}`. The suite's `policy` path is returned as
/// written (relative to the test file); resolving it is the caller's job.
///
/// Like ``PolicyLoader`` it reports every problem at once and never traps on any input.
public enum DecisionTestLoader {
    /// Loads the test file at `path`.
    ///
    /// - Returns: the suite (with every case that could be read) and every diagnostic,
    ///   sorted (at most 100 from reading the file and 100 from mapping it, each followed by
    ///   one `limit-exceeded` when there were more). Failure modes, by code:
    ///   `unreadable-file`, `limit-exceeded`, `yaml-syntax`,
    ///   `unsupported-yaml`, `duplicate-key` (also a tenant given both in `resource` and
    ///   in the test), `type-mismatch` (including `expect` other than `allow`/`deny`),
    ///   `unknown-field`, `missing-field` (no `tests`; a test without `name`, `user`,
    ///   `resource`, or without `action`/`expect` or `allowed`/`denied`), `empty-name`,
    ///   `invalid-key` (keys of fixture users).
    public static func load(path: String) -> (suite: DecisionTestSuite, diagnostics: Diagnostics) {
        switch SourceFiles.read(path) {
        case .failure(let error):
            return (DecisionTestSuite(), Diagnostics([error.diagnostic]))
        case .success(let bytes):
            return map(bytes: bytes, file: path)
        }
    }

    /// Loads a test file from memory; `file` labels its diagnostics. The same codes as
    /// ``load(path:)`` except `unreadable-file`.
    public static func load(yaml: String, file: String) -> (suite: DecisionTestSuite, diagnostics: Diagnostics) {
        map(bytes: yaml.utf8, file: file)
    }

    private static func map(bytes: some Collection<UInt8>, file: String) -> (suite: DecisionTestSuite, diagnostics: Diagnostics) {
        let (root, readProblems) = YAMLTreeBuilder.build(bytes: bytes, file: file)
        if root == nil, !readProblems.isEmpty {
            return (DecisionTestSuite(), Diagnostics(readProblems))
        }
        var mapper = NodeMapper()
        let suite = mapper.decisionTestSuite(root, file: file)
        return (suite, Diagnostics(readProblems + mapper.diagnostics))
    }
}
