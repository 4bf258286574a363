// SPDX-License-Identifier: Apache-2.0

/// Reads `/allowed`, `/allowed/all-tenants` and `/allowed/bulk` bodies on the hot path.
///
/// Lenient on input as permit-wire.md §6 asks: unknown fields are ignored at every level,
/// optional fields may be `null`, top-level `context` may be missing, `user` may be a string,
/// `resource` may be a `"type"` / `"type:key"` string, `resource.id` stands in for a missing
/// key, and `resource.context.tenant` stands in for a missing tenant. Still strict JSON.
///
/// Errors: ``WireError/Kind/syntax`` for malformed JSON (answer 400), ``WireError/Kind/schema``
/// with a field path such as `resource.type` (answer 422), ``WireError/Kind/tooLarge`` over
/// `limits.maxBytes`, ``WireError/Kind/tooManyItems`` for a bulk body over `maxItems`.
///
/// After the scratch buffer has grown to the body size once, reading performs no heap
/// allocation (errors allocate their message).
public enum CheckRequestReader {
    /// Parses one check body and calls `body` with its fields while the views are valid.
    ///
    /// - Parameters:
    ///   - bytes: the complete request body (e.g. from `ByteBuffer.withUnsafeReadableBytes`).
    ///   - scratch: reusable storage for strings with escapes; reset by this call.
    ///   - limits: depth and size guards.
    ///   - body: runs the decision; its result is returned.
    /// - Throws: ``WireError`` before `body` runs; `body` is never called for an invalid body.
    public static func read<R>(
        _ bytes: UnsafeRawBufferPointer,
        scratch: JSONScratch,
        limits: JSONLimits = .default,
        _ body: (borrowing CheckFields) -> R
    ) throws(WireError) -> R {
        try read(bytes, scratch: scratch, limits: limits, sdkShape: true, body)
    }

    /// ``read(_:scratch:limits:_:)``, with the SDK-shape reader on or off (``JSONCursor/readsSDKShape``).
    static func read<R>(
        _ bytes: UnsafeRawBufferPointer, scratch: JSONScratch, limits: JSONLimits, sdkShape: Bool,
        _ body: (borrowing CheckFields) -> R
    ) throws(WireError) -> R {
        var cursor = try JSONCursor(bytes, scratch: scratch, limits: limits, sdkShape: sdkShape)
        let fields = try cursor.readCheckFields()
        try cursor.finish()
        return body(fields)
    }

    /// Parses a bulk body (a JSON array of check bodies) and calls `body` once per item, in
    /// order, with its zero-based index. An empty array is valid and calls nothing.
    ///
    /// Items are parsed and handed over one at a time, so a syntax or schema error in item N is
    /// thrown after items 0..<N were delivered: write answers into a scratch area and discard
    /// it when this throws. Schema error paths are prefixed with the item, e.g.
    /// `[2].resource.type`.
    ///
    /// - Parameter maxItems: more items than this throws ``WireError/Kind/tooManyItems``
    ///   (at the offset of the first excess item, before it is parsed).
    /// - Returns: the number of items.
    /// - Throws: ``WireError``; a body that is not an array is a schema error.
    @discardableResult
    public static func readBulk(
        _ bytes: UnsafeRawBufferPointer,
        scratch: JSONScratch,
        limits: JSONLimits = .default,
        maxItems: Int,
        _ body: (Int, borrowing CheckFields) -> Void
    ) throws(WireError) -> Int {
        try readBulk(bytes, scratch: scratch, limits: limits, maxItems: maxItems, sdkShape: true, body)
    }

    /// ``readBulk(_:scratch:limits:maxItems:_:)``, with the SDK-shape reader on or off.
    @discardableResult
    static func readBulk(
        _ bytes: UnsafeRawBufferPointer, scratch: JSONScratch, limits: JSONLimits, maxItems: Int, sdkShape: Bool,
        _ body: (Int, borrowing CheckFields) -> Void
    ) throws(WireError) -> Int {
        var cursor = try JSONCursor(bytes, scratch: scratch, limits: limits, sdkShape: sdkShape)
        let kind = try cursor.peekKind()
        guard kind == .array else {
            throw .schema("", "expected an array of checks, found \(kind)", at: cursor.index)
        }
        try cursor.enterContainer()
        var first = true
        var count = 0
        while try cursor.nextElement(&first) {
            guard count < maxItems else {
                throw WireError(kind: .tooManyItems, offset: cursor.index, path: "",
                                reason: "more than \(maxItems) checks in one bulk request")
            }
            let fields: CheckFields
            do {
                fields = try cursor.readCheckFields()
            } catch {
                throw error.prefixingPath("[\(count)]")
            }
            body(count, fields)
            count &+= 1
        }
        try cursor.finish()
        return count
    }
}

extension JSONCursor {
    /// One check object: `user`, `action`, `resource` required; everything else skipped.
    /// The SDKs' own shape is read by ``readSDKShapedCheck()``, with the same result.
    @inline(__always)
    mutating func readCheckFields() throws(WireError) -> CheckFields {
        if readsSDKShape, let fields = readSDKShapedCheck() { return fields }
        return try readAnyCheckFields()
    }

    /// One check object in any shape the general reader accepts (``readCheckFields()``).
    mutating func readAnyCheckFields() throws(WireError) -> CheckFields {
        let kind = try peekKind()
        let start = index
        guard kind == .object else { throw .schema("", "expected an object, found \(kind)", at: start) }
        try enterContainer()
        var first = true
        var userKey: JSONStringView?
        var action: JSONStringView?
        var resource: ResourceFields?
        while let name = try nextKey(&first) {
            if name.equals("user") {
                userKey = try readUserKey()
            } else if name.equals("action") {
                action = try readRequiredString("action")
            } else if name.equals("resource") {
                resource = try readResource()
            } else {
                try skipValue()
            }
        }
        guard let userKey else { throw .schema("user", "required field missing", at: start) }
        guard let action else { throw .schema("action", "required field missing", at: start) }
        guard let resource else { throw .schema("resource", "required field missing", at: start) }
        return CheckFields(
            userKey: userKey, action: action, resourceType: resource.type,
            resourceKey: resource.key, tenant: resource.tenant
        )
    }
}
