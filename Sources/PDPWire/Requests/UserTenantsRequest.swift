// SPDX-License-Identifier: Apache-2.0

import NIOCore

/// A `POST /user-tenants` body (permit-wire.md §3.6): `{"user": {...}, "context"?: {}}`.
///
/// `user` is an object with `key` or a plain string; everything else is ignored.
public struct UserTenantsRequest: Sendable, Equatable {
    /// The user's key.
    public var userKey: String

    /// Creates a request.
    public init(userKey: String) { self.userKey = userKey }

    /// Decodes a body.
    /// - Throws: ``WireError``: `syntax` (400), `schema` naming `user` or `user.key` (422),
    ///   or `tooLarge`.
    public init(parsing bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(WireError) {
        self = try parseRequest(bytes, limits: limits) { (cursor) throws(WireError) in try cursor.readUserTenants() }
    }

    /// Decodes the readable bytes of `buffer`.
    public init(parsing buffer: ByteBuffer, limits: JSONLimits = .default) throws(WireError) {
        self = try parseRequest(buffer, limits: limits) { (cursor) throws(WireError) in try cursor.readUserTenants() }
    }
}

extension JSONCursor {
    mutating func readUserTenants() throws(WireError) -> UserTenantsRequest {
        let start = index
        try enterRequestObject()
        var first = true
        var userKey: String?
        while let name = try nextKey(&first) {
            if name.equals("user") {
                userKey = try readUserKey().string
            } else {
                try skipValue()
            }
        }
        guard let userKey else { throw .schema("user", "required field missing", at: start) }
        return UserTenantsRequest(userKey: userKey)
    }
}
