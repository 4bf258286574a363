// SPDX-License-Identifier: Apache-2.0

/// Limits applied while reading a body.
///
/// Defaults: `maxDepth` 64 nested arrays/objects, `maxBytes` 1 MiB. Exceeding the depth is a
/// syntax error (400); exceeding the size is ``WireError/Kind/tooLarge`` (413), detected before
/// any byte is parsed.
public struct JSONLimits: Sendable, Equatable {
    /// Deepest nesting of arrays and objects accepted (the top-level container is depth 1).
    public var maxDepth: Int
    /// Largest body accepted, in bytes.
    public var maxBytes: Int

    /// Creates limits; see the type's documentation for the defaults.
    public init(maxDepth: Int = 64, maxBytes: Int = 1 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// 64 levels, 1 MiB.
    public static let `default` = JSONLimits()
}
