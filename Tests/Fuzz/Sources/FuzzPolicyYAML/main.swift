// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the YAML policy loader. The raw bytes go through libyaml and the tree
// builder (invalid UTF-8 included); the same bytes as text go through the whole loader, the
// compiler when the loader found no error, and the decision-test loader. Every diagnostic is
// rendered as `pdp validate` prints it. A diagnostic without a code or with a location
// outside the text is a finding, as is any crash.
//   scripts/fuzz.sh FuzzPolicyYAML 60
import PDPCore
@testable import PDPPolicyYAML

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicyYAML(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    _ = YAMLTreeBuilder.build(bytes: bytes, file: "fuzz.yaml")
    let text = String(decoding: bytes, as: UTF8.self)
    // YAML breaks lines at LF, CR, NEL, LS and PS: an upper bound on the line count.
    let breaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]
    let lines = text.unicodeScalars.reduce(1) { breaks.contains($1) ? $0 + 1 : $0 }
    let (document, diagnostics) = PolicyLoader.load(yaml: text, file: "fuzz.yaml")
    for diagnostic in diagnostics.items {
        precondition(diagnostic.location.line <= lines + 1, "diagnostic past the end of the text: \(diagnostic)")
        _ = diagnostic.description
    }
    if !diagnostics.hasErrors {
        _ = try? PolicyCompiler.compile(document)
    }
    let (_, testDiagnostics) = DecisionTestLoader.load(yaml: text, file: "fuzz_test.yaml")
    for diagnostic in testDiagnostics.items { _ = diagnostic.description }
    return 0
}
