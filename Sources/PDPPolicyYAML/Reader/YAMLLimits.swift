// SPDX-License-Identifier: Apache-2.0

/// The limits every policy and test file is read under, so no input can exhaust memory,
/// time or the stack.
struct YAMLLimits: Sendable {
    /// Largest accepted file, checked before parsing (8 MiB).
    var maxBytes = 8 * 1024 * 1024
    /// Deepest nesting of sequences and mappings.
    var maxDepth = 64
    /// Most nodes (scalars, sequences, mappings, keys included) in one file.
    var maxNodes = 2_000_000

    static let standard = YAMLLimits()
}
