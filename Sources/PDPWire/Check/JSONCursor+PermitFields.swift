// SPDX-License-Identifier: Apache-2.0

// The lenient readers for the `user` and `resource` shapes every Permit SDK sends
// (permit-wire.md §3.1 and §6). Shared by the check, bulk, authorized-users, user-permissions
// and user-tenants readers so that every endpoint accepts exactly the same shapes.

extension JSONCursor {
    /// Reads `user`: an object with a non-empty string `key`, or a plain non-empty string.
    /// Other members (`first_name`/`firstName`, `email`, `attributes`, `roles` in the Python
    /// `[{"role","tenant"}]` or Go `[{"Role","Tenant"}]` shape, unknown fields, any of them
    /// `null`) are validated and ignored.
    mutating func readUserKey() throws(WireError) -> JSONStringView {
        let kind = try peekKind()
        let start = index
        switch kind {
        case .string:
            let key = try readString()
            guard !key.isEmpty else { throw .schema("user", "expected a non-empty user key", at: start) }
            return key
        case .object:
            try enterContainer()
            var first = true
            var key: JSONStringView?
            var keyOffset = start
            while let name = try nextKey(&first) {
                if name.equals("key") {
                    skipWhitespace()
                    keyOffset = index
                    let kind = try peekKind()
                    guard kind == .string else {
                        throw .schema("user.key", "expected a non-empty string, found \(kind)", at: index)
                    }
                    key = try readString()
                } else {
                    try skipValue()
                }
            }
            guard let key else { throw .schema("user.key", "required field missing", at: start) }
            guard !key.isEmpty else { throw .schema("user.key", "expected a non-empty string", at: keyOffset) }
            return key
        default:
            throw .schema("user", "expected an object or a string, found \(kind)", at: start)
        }
    }

    /// Reads `resource`: an object, or a string `"type"` / `"type:key"`.
    ///
    /// Object members: `type` (required string); `key` (string or null); `id` — used as the key
    /// when `key` is absent or null. This is a deliberate choice: the real PDP ignores `id`
    /// (its v2 schema has no such field) and evaluates such a check at type level; we treat it
    /// as the key, which is what Go's `FilterObjects` and v1-era callers mean. For RBAC with
    /// tenant roles only this does not change any decision; a non-string `id` is ignored.
    /// `tenant` (string or null), falling back to `context.tenant` when absent or null (a
    /// non-string `context.tenant`, or a non-object `context`, is ignored); `attributes` and
    /// unknown members are skipped.
    mutating func readResource() throws(WireError) -> ResourceFields {
        let kind = try peekKind()
        let start = index
        switch kind {
        case .string:
            return try splitResourceString(readString(), at: start)
        case .object:
            try enterContainer()
            var first = true
            var type: JSONStringView?
            var key: JSONStringView?
            var id: JSONStringView?
            var tenant: JSONStringView?
            var contextTenant: JSONStringView?
            while let name = try nextKey(&first) {
                if name.equals("type") {
                    type = try readRequiredString("resource.type")
                } else if name.equals("key") {
                    key = try readOptionalString("resource.key")
                } else if name.equals("tenant") {
                    tenant = try readOptionalString("resource.tenant")
                } else if name.equals("id") {
                    if try peekKind() == .string {
                        id = try readString()
                    } else {
                        try skipValue()
                    }
                } else if name.equals("context") {
                    contextTenant = try readContextTenant()
                } else {
                    try skipValue()
                }
            }
            guard let type else { throw .schema("resource.type", "required field missing", at: start) }
            return ResourceFields(type: type, key: key ?? id, tenant: tenant ?? contextTenant)
        default:
            throw .schema("resource", "expected an object or a string, found \(kind)", at: start)
        }
    }

    /// `context` inside a resource: returns its string `tenant` member, skipping the rest.
    private mutating func readContextTenant() throws(WireError) -> JSONStringView? {
        guard try peekKind() == .object else {
            try skipValue()
            return nil
        }
        try enterContainer()
        var first = true
        var tenant: JSONStringView?
        while let name = try nextKey(&first) {
            if name.equals("tenant"), try peekKind() == .string {
                tenant = try readString()
            } else {
                try skipValue()
            }
        }
        return tenant
    }

    /// `"task"` → type only; `"task:42"` → type and key; more than one `:` is a schema error
    /// (the Python SDK raises before sending such a resource).
    func splitResourceString(_ text: JSONStringView, at offset: Int) throws(WireError) -> ResourceFields {
        var colon = -1
        for position in 0..<text.count where text.bytes[position] == UInt8(ascii: ":") {
            guard colon < 0 else {
                throw .schema("resource", "expected \"type\" or \"type:key\", found more than one ':'", at: offset)
            }
            colon = position
        }
        guard colon >= 0 else { return ResourceFields(type: text, key: nil, tenant: nil) }
        return ResourceFields(
            type: text.slice(0, colon),
            key: text.slice(colon &+ 1, text.count &- colon &- 1),
            tenant: nil
        )
    }
}
