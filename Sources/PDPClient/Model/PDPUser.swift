// SPDX-License-Identifier: Apache-2.0

/// The user of a check: a key, and optionally the attributes an ABAC policy may read.
/// Encoded as Permit's SDKs send it (`{"key", "first_name", "last_name", "email", "attributes"}`,
/// absent fields left out).
public struct PDPUser: Sendable, Hashable, Encodable, ExpressibleByStringLiteral {
    public var key: String
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var attributes: [String: PDPValue]?

    public init(
        key: String, firstName: String? = nil, lastName: String? = nil, email: String? = nil,
        attributes: [String: PDPValue]? = nil
    ) {
        self.key = key
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.attributes = attributes
    }

    public init(stringLiteral key: String) { self.init(key: key) }

    enum CodingKeys: String, CodingKey {
        case key, email, attributes
        case firstName = "first_name"
        case lastName = "last_name"
    }
}
