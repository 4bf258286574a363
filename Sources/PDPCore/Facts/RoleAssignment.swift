// SPDX-License-Identifier: Apache-2.0

/// "`user` holds `role` in `tenant`", by keys.
///
/// Keys compare by their UTF-8 bytes (see ``FactKey``), as decisions do: equal, hashed and
/// sorted by (user, tenant, role), byte-wise.
public struct RoleAssignment: Sendable, Hashable, Comparable {
    public var user: String
    public var role: String
    public var tenant: String

    public init(user: String, role: String, tenant: String) {
        self.user = user
        self.role = role
        self.tenant = tenant
    }

    public static func == (a: Self, b: Self) -> Bool {
        FactKey.bytesEqual(a.user, b.user) && FactKey.bytesEqual(a.role, b.role) && FactKey.bytesEqual(a.tenant, b.tenant)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(FactKey(user))
        hasher.combine(FactKey(role))
        hasher.combine(FactKey(tenant))
    }

    public static func < (a: Self, b: Self) -> Bool { order(a, b) < 0 }

    /// (user, tenant, role), byte-wise: negative, zero or positive.
    public static func order(_ a: Self, _ b: Self) -> Int {
        let user = FactKey.compareBytes(a.user, b.user)
        if user != 0 { return user }
        let tenant = FactKey.compareBytes(a.tenant, b.tenant)
        return tenant != 0 ? tenant : FactKey.compareBytes(a.role, b.role)
    }
}
