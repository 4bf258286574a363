// SPDX-License-Identifier: Apache-2.0

import NIOCore

/// A `POST /user-permissions` body (permit-wire.md §3.5).
///
/// `user` is an object with `key` or a plain string (names, `attributes` and unknown members
/// ignored); `tenants`, `resources` (`"type"` / `"type:key"` strings) and `resource_types` are
/// optional and may be `null`, which means "no filter". `context` and unknown fields are ignored.
public struct UserPermissionsRequest: Sendable, Equatable {
    /// The user's key.
    public var userKey: String
    /// Only these tenants, or all when `nil`.
    public var tenants: [String]?
    /// Only these resource instances (or types, for entries without `:`), or all when `nil`.
    public var resources: [ResourceReference]?
    /// Only these resource types, or all when `nil`.
    public var resourceTypes: [String]?

    /// Creates a request.
    public init(userKey: String, tenants: [String]? = nil, resources: [ResourceReference]? = nil, resourceTypes: [String]? = nil) {
        self.userKey = userKey
        self.tenants = tenants
        self.resources = resources
        self.resourceTypes = resourceTypes
    }

    /// Decodes a body.
    /// - Throws: ``WireError``: `syntax` (400), `schema` naming the field, e.g. `user.key`,
    ///   `tenants[1]`, `resources[0]` (422), or `tooLarge`.
    public init(parsing bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(WireError) {
        self = try parseRequest(bytes, limits: limits) { (cursor) throws(WireError) in try cursor.readUserPermissions() }
    }

    /// Decodes the readable bytes of `buffer`; see ``init(parsing:limits:)-(UnsafeRawBufferPointer,_)``.
    public init(parsing buffer: ByteBuffer, limits: JSONLimits = .default) throws(WireError) {
        self = try parseRequest(buffer, limits: limits) { (cursor) throws(WireError) in try cursor.readUserPermissions() }
    }
}

extension JSONCursor {
    mutating func readUserPermissions() throws(WireError) -> UserPermissionsRequest {
        let start = index
        try enterRequestObject()
        var first = true
        var userKey: String?
        var request = UserPermissionsRequest(userKey: "")
        while let name = try nextKey(&first) {
            if name.equals("user") {
                userKey = try readUserKey().string
            } else if name.equals("tenants") {
                request.tenants = try readOptionalStringArray("tenants")
            } else if name.equals("resource_types") {
                request.resourceTypes = try readOptionalStringArray("resource_types")
            } else if name.equals("resources") {
                request.resources = try readResourceReferences()
            } else {
                try skipValue()
            }
        }
        guard let userKey else { throw .schema("user", "required field missing", at: start) }
        request.userKey = userKey
        return request
    }

    private mutating func readResourceReferences() throws(WireError) -> [ResourceReference]? {
        let kind = try peekKind()
        if kind == .null {
            _ = try readLiteral()
            return nil
        }
        guard kind == .array else {
            throw .schema("resources", "expected an array of strings or null, found \(kind)", at: index)
        }
        try enterContainer()
        var references: [ResourceReference] = []
        var first = true
        while try nextElement(&first) {
            let element = try peekKind()
            let offset = index
            let path = "resources[\(references.count)]"
            guard element == .string else { throw .schema(path, "expected a string, found \(element)", at: offset) }
            let fields: ResourceFields
            do {
                fields = try splitResourceString(readString(), at: offset)
            } catch {
                throw WireError(kind: error.kind, offset: error.offset, path: path, reason: error.reason)
            }
            references.append(ResourceReference(type: fields.type.string, key: fields.key?.string))
        }
        return references
    }
}
