// SPDX-License-Identifier: Apache-2.0

/// A user as the facts API stores it (`UserRead`; only the fields an application reads).
public struct PDPUserRecord: Sendable, Hashable, Decodable {
    /// One entry of `roles`: a role in a tenant.
    public struct Role: Sendable, Hashable, Decodable {
        public var role: String
        public var tenant: String?
    }

    public var key: String
    public var id: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    /// Tenant roles the facts API reports for the user (may be empty when the API lists
    /// roles only through role assignments).
    public var roles: [Role]

    enum CodingKeys: String, CodingKey {
        case key, id, email, roles
        case firstName = "first_name"
        case lastName = "last_name"
    }

    /// Decodes `UserRead`; `key` is required, everything else optional (`null` allowed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        firstName = try container.decodeIfPresent(String.self, forKey: .firstName)
        lastName = try container.decodeIfPresent(String.self, forKey: .lastName)
        roles = try container.decodeIfPresent([Role].self, forKey: .roles) ?? []
    }
}
