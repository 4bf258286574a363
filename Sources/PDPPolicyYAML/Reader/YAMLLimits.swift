// SPDX-License-Identifier: Apache-2.0

/// The limits every policy and test file is read under, so no input can exhaust memory,
/// time or the stack.
struct YAMLLimits: Sendable {
    /// Largest accepted file, checked before parsing (8 MiB).
    var maxBytes = 8 * 1024 * 1024
    /// Deepest nesting of sequences and mappings.
    var maxDepth = 64
    /// Most nodes (scalars, aliases, sequences, mappings, keys included) in one file. Each
    /// node is a bounded amount of work (aliases are reported, never expanded), so this and
    /// ``maxBytes`` bound the time and memory one file can take.
    var maxNodes = 2_000_000
    /// Most problems reported for one file, by the reader and again by the mapper: past it
    /// the reader stops with one more `limit-exceeded`, and the mapper lists how many it left
    /// out. A file of a million aliases once produced a million diagnostics (479 MB, and
    /// 217 MB of log on each reload); the first hundred say as much.
    var maxDiagnostics = 100

    static let standard = YAMLLimits()

    /// "the file is <size>; the limit is N bytes (M MiB)", for `limit-exceeded`.
    func tooLargeMessage(size: String) -> String {
        "the file is \(size); the limit is \(maxBytes) bytes (\(Double(maxBytes) / 1_048_576) MiB)"
    }
}
