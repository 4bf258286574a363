// SPDX-License-Identifier: Apache-2.0

/// A resource named by type and optional key, as in `"task"` or `"task:42"`.
public struct ResourceReference: Sendable, Hashable, CustomStringConvertible {
    /// The resource type.
    public var type: String
    /// The instance key; `nil` means the type as a whole.
    public var key: String?

    /// Creates a reference.
    public init(type: String, key: String?) {
        self.type = type
        self.key = key
    }

    /// `type` or `type:key`.
    public var description: String { key.map { "\(type):\($0)" } ?? type }
}
