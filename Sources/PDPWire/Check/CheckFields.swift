// SPDX-License-Identifier: Apache-2.0

/// The fields of one `/allowed` body that a decision needs, as views into the body.
///
/// Noncopyable and handed to a closure as `borrowing`, so it cannot outlive the bytes and the
/// scratch buffer it points into; copy a field out with ``JSONStringView/string`` if needed.
/// Everything else in the body (`context`, `attributes`, names, `email`, `roles`, unknown
/// fields) was validated as JSON and skipped without being materialized.
public struct CheckFields: ~Copyable {
    /// `user.key`, or `user` itself when the user is a plain string. Never empty.
    public let userKey: JSONStringView
    /// `action`.
    public let action: JSONStringView
    /// `resource.type`, or the part before `:` of a string resource.
    public let resourceType: JSONStringView
    /// `resource.key`, else `resource.id`, else `nil` (a type-level check). For a string
    /// resource `"type:key"`, the part after `:`.
    public let resourceKey: JSONStringView?
    /// `resource.tenant`, else `resource.context.tenant`, else `nil` (the caller applies its
    /// default tenant).
    public let tenant: JSONStringView?

    /// Creates a value (for tests and adapters).
    public init(
        userKey: JSONStringView, action: JSONStringView, resourceType: JSONStringView,
        resourceKey: JSONStringView?, tenant: JSONStringView?
    ) {
        self.userKey = userKey
        self.action = action
        self.resourceType = resourceType
        self.resourceKey = resourceKey
        self.tenant = tenant
    }
}

/// The resource part of a check or authorized-users body.
struct ResourceFields {
    var type: JSONStringView
    var key: JSONStringView?
    var tenant: JSONStringView?
}
