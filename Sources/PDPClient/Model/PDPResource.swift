// SPDX-License-Identifier: Apache-2.0

/// The resource of a check: a type (`task`), optionally one instance's key, its tenant and
/// attributes. A `nil` tenant is sent as the client's default tenant (as Permit's SDKs do).
public struct PDPResource: Sendable, Hashable, Encodable {
    public var type: String
    public var key: String?
    public var tenant: String?
    public var attributes: [String: PDPValue]?

    public init(type: String, key: String? = nil, tenant: String? = nil, attributes: [String: PDPValue]? = nil) {
        self.type = type
        self.key = key
        self.tenant = tenant
        self.attributes = attributes
    }

    /// `"task"` or `"task:42"`, as in Permit's SDKs. A string with more than one `:` keeps
    /// everything after the first as the key.
    public init(_ text: String) {
        if let colon = text.firstIndex(of: ":") {
            self.init(type: String(text[..<colon]), key: String(text[text.index(after: colon)...]))
        } else {
            self.init(type: text)
        }
    }
}
