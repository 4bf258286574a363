// SPDX-License-Identifier: Apache-2.0

/// What a user may do, per tenant or resource instance, as `/user-permissions` answers:
/// keyed by `__tenant:<tenant>` or `<type>:<key>`, each with `type:action` permission
/// strings and the roles that grant them.
public struct PDPUserPermissions: Sendable, Hashable, Decodable {
    /// The permissions of one tenant or resource instance.
    public struct Entry: Sendable, Hashable, Decodable {
        /// `type:action` strings, e.g. `task:read`.
        public var permissions: [String]
        /// Roles held there (absent in some PDPs' answers: empty then).
        public var roles: [String]

        enum CodingKeys: String, CodingKey { case permissions, roles }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            permissions = try container.decode([String].self, forKey: .permissions)
            roles = try container.decodeIfPresent([String].self, forKey: .roles) ?? []
        }

        /// True when `permissions` holds `type:action`.
        public func allows(_ action: String, on type: String) -> Bool {
            permissions.contains("\(type):\(action)")
        }
    }

    /// Entries by key (`__tenant:default`, `task:42`).
    public var entries: [String: Entry]

    /// The tenant-level entry for `tenant`, if any.
    public func tenant(_ tenant: String) -> Entry? { entries["__tenant:\(tenant)"] }

    public init(from decoder: any Decoder) throws {
        entries = try decoder.singleValueContainer().decode([String: Entry].self)
    }
}
