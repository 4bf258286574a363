// SPDX-License-Identifier: Apache-2.0

import NIOCore

/// A `POST /authorized_users` body (permit-wire.md §3.7): who may do `action` on `resource`.
///
/// `resource` accepts exactly the shapes the check reader accepts (object or `"type:key"`
/// string, `id` as a key fallback, `context.tenant` as a tenant fallback). `context`, a stray
/// `user` and unknown fields are ignored.
public struct AuthorizedUsersRequest: Sendable, Equatable {
    /// The action.
    public var action: String
    /// The resource type.
    public var resourceType: String
    /// The resource key, or `nil` for the type as a whole (answered as `type:*`).
    public var resourceKey: String?
    /// The tenant, or `nil` for the caller's default tenant.
    public var tenant: String?

    /// Creates a request.
    public init(action: String, resourceType: String, resourceKey: String? = nil, tenant: String? = nil) {
        self.action = action
        self.resourceType = resourceType
        self.resourceKey = resourceKey
        self.tenant = tenant
    }

    /// Decodes a body.
    /// - Throws: ``WireError``: `syntax` (400), `schema` naming `action`, `resource`,
    ///   `resource.type`, ... (422), or `tooLarge`.
    public init(parsing bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(WireError) {
        self = try parseRequest(bytes, limits: limits) { (cursor) throws(WireError) in try cursor.readAuthorizedUsers() }
    }

    /// Decodes the readable bytes of `buffer`.
    public init(parsing buffer: ByteBuffer, limits: JSONLimits = .default) throws(WireError) {
        self = try parseRequest(buffer, limits: limits) { (cursor) throws(WireError) in try cursor.readAuthorizedUsers() }
    }
}

extension JSONCursor {
    mutating func readAuthorizedUsers() throws(WireError) -> AuthorizedUsersRequest {
        let start = index
        try enterRequestObject()
        var first = true
        var action: String?
        var resource: AuthorizedUsersRequest?
        while let name = try nextKey(&first) {
            if name.equals("action") {
                action = try readRequiredString("action").string
            } else if name.equals("resource") {
                let fields = try readResource()
                resource = AuthorizedUsersRequest(
                    action: "", resourceType: fields.type.string,
                    resourceKey: fields.key?.string, tenant: fields.tenant?.string
                )
            } else {
                try skipValue()
            }
        }
        guard let action else { throw .schema("action", "required field missing", at: start) }
        guard var resource else { throw .schema("resource", "required field missing", at: start) }
        resource.action = action
        return resource
    }
}
