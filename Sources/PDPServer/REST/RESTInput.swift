// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPFacts
import PDPStore
import PDPWire

/// Reads facts API bodies leniently, as Permit's API does: unknown fields are ignored, `null`
/// is accepted for every optional field; wrong types and missing required fields are 422.
struct RESTInput {
    let body: JSONValue

    init(_ buffer: ByteBuffer, limits: JSONLimits) throws(RESTError) {
        guard buffer.readableBytes > 0 else { throw .missing(["body"]) }
        do throws(WireError) {
            body = try JSONValue.parse(buffer, limits: limits)
        } catch {
            throw error.kind == .syntax
                ? RESTError.invalid(["body"], "invalid JSON: \(error.reason)", type: "value_error.jsondecode")
                : RESTError(status: .payloadTooLarge, code: "INVALID_INPUT", title: "Payload Too Large", message: error.description)
        }
    }

    static func object(_ value: JSONValue, at location: [String]) throws(RESTError) -> JSONValue {
        guard case .object = value else { throw .invalid(location, "value is not a valid dict", type: "type_error.dict") }
        return value
    }

    /// A required string member.
    static func string(_ object: JSONValue, _ name: String, at location: [String]) throws(RESTError) -> String {
        guard let value = object[name], !value.isNull else { throw .missing(location + [name]) }
        guard let text = value.stringValue, !text.isEmpty else {
            throw .invalid(location + [name], "must be a non-empty string", type: "type_error.str")
        }
        return text
    }

    /// An optional string member: `nil` absent, `.some(nil)` null.
    static func optionalString(_ object: JSONValue, _ name: String, at location: [String]) throws(RESTError) -> String?? {
        guard let value = object[name] else { return nil }
        if value.isNull { return .some(nil) }
        guard let text = value.stringValue else { throw .invalid(location + [name], "str type expected", type: "type_error.str") }
        return .some(text)
    }

    static func optionalAttributes(_ object: JSONValue, _ name: String, at location: [String]) throws(RESTError) -> [String: AttributeValue]?? {
        guard let value = object[name] else { return nil }
        if value.isNull { return .some(nil) }
        guard case .object(let members) = value else { throw .invalid(location + [name], "value is not a valid dict", type: "type_error.dict") }
        var attributes: [String: AttributeValue] = [:]
        for member in members { attributes[member.key] = try attribute(member.value, at: location + [name, member.key]) }
        return .some(attributes)
    }

    /// An attribute value.
    /// - Throws: 422 for a number beyond a double's range (`1e999`): it would be stored as
    ///   infinity and read back as `null`.
    static func attribute(_ value: JSONValue, at location: [String]) throws(RESTError) -> AttributeValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number):
            guard number.isFinite else { throw .invalid(location, "number out of range", type: "value_error.number") }
            return .double(number)
        case .string(let text): return .string(text)
        case .array(let elements):
            var values: [AttributeValue] = []
            for (index, element) in elements.enumerated() { values.append(try attribute(element, at: location + [String(index)])) }
            return .array(values)
        case .object(let members):
            var values: [String: AttributeValue] = [:]
            for member in members { values[member.key] = try attribute(member.value, at: location + [member.key]) }
            return .object(values)
        }
    }

    /// A user body; `key` comes from the path when given (PUT, PATCH).
    func user(key pathKey: String?) throws(RESTError) -> UserInput {
        try Self.user(body, key: pathKey, at: ["body"])
    }

    static func user(_ value: JSONValue, key pathKey: String?, at location: [String]) throws(RESTError) -> UserInput {
        let object = try object(value, at: location)
        let key = if let pathKey { pathKey } else { try string(object, "key", at: location) }
        let email = try optionalString(object, "email", at: location)
        if let email = email ?? nil, let problem = EmailAddressRule.problem(email) {
            throw .invalid(location + ["email"], "value is not a valid email address: \(problem)", type: "value_error.email")
        }
        var input = UserInput(
            key: key, email: email,
            firstName: try optionalString(object, "first_name", at: location),
            lastName: try optionalString(object, "last_name", at: location),
            attributes: try optionalAttributes(object, "attributes", at: location))
        for (index, element) in try list(object, "role_assignments", at: location, required: false).enumerated() {
            input.roleAssignments.append(try assignment(element, user: key, at: location + ["role_assignments", String(index)]))
        }
        return input
    }

    /// A list member; absent or `null` is an empty list unless `required`.
    static func list(_ object: JSONValue, _ name: String, at location: [String], required: Bool) throws(RESTError) -> [JSONValue] {
        guard let value = object[name], !value.isNull else {
            if required { throw .missing(location + [name]) }
            return []
        }
        guard let elements = value.arrayValue else { throw .invalid(location + [name], "value is not a valid list", type: "type_error.list") }
        return elements
    }

    /// `{"operations": [UserCreate, ...]}` (`bulk/users`).
    func bulkUsers() throws(RESTError) -> [UserInput] {
        var inputs: [UserInput] = []
        for (index, element) in try Self.list(try Self.object(body, at: ["body"]), "operations", at: ["body"], required: true).enumerated() {
            inputs.append(try Self.user(element, key: nil, at: ["body", "operations", String(index)]))
        }
        return inputs
    }

    /// `{"operations": [TenantCreate, ...]}` (`bulk/tenants`).
    func bulkTenants() throws(RESTError) -> [TenantInput] {
        var inputs: [TenantInput] = []
        for (index, element) in try Self.list(try Self.object(body, at: ["body"]), "operations", at: ["body"], required: true).enumerated() {
            inputs.append(try Self.tenant(element, key: nil, at: ["body", "operations", String(index)]))
        }
        return inputs
    }

    /// `{"idents": [key or id, ...]}` (bulk deletes).
    func idents() throws(RESTError) -> [String] {
        var idents: [String] = []
        for (index, element) in try Self.list(try Self.object(body, at: ["body"]), "idents", at: ["body"], required: true).enumerated() {
            guard let text = element.stringValue, !text.isEmpty else {
                throw .invalid(["body", "idents", String(index)], "must be a non-empty string", type: "type_error.str")
            }
            idents.append(text)
        }
        return idents
    }

    /// `{"role", "tenant"?, "user"?, "resource_instance"?}`; `user` from the path wins. A
    /// missing tenant means `default`; resource-instance roles are not supported (422).
    static func assignment(_ value: JSONValue, user pathUser: String?, at location: [String]) throws(RESTError) -> AssignmentKey {
        let object = try object(value, at: location)
        let user = if let pathUser { pathUser } else { try string(object, "user", at: location) }
        let role = try string(object, "role", at: location)
        let tenant = try optionalString(object, "tenant", at: location) ?? nil
        if tenant?.isEmpty == true {
            throw .invalid(location + ["tenant"], "ensure this value has at least 1 character", type: "value_error.any_str.min_length")
        }
        if let instance = object["resource_instance"], !instance.isNull {
            throw .invalid(location + ["resource_instance"], "resource instance roles are not supported by this PDP")
        }
        return AssignmentKey(user: user, role: role, tenant: tenant ?? FactsIndex.defaultTenantKey)
    }

    func assignments(user: String?, bulk: Bool) throws(RESTError) -> [AssignmentKey] {
        guard bulk else { return [try Self.assignment(body, user: user, at: ["body"])] }
        guard let elements = body.arrayValue else { throw .invalid(["body"], "value is not a valid list", type: "type_error.list") }
        var keys: [AssignmentKey] = []
        for (index, element) in elements.enumerated() {
            keys.append(try Self.assignment(element, user: user, at: ["body", String(index)]))
        }
        return keys
    }

    func tenant(key pathKey: String?) throws(RESTError) -> TenantInput {
        try Self.tenant(body, key: pathKey, at: ["body"])
    }

    static func tenant(_ value: JSONValue, key pathKey: String?, at location: [String]) throws(RESTError) -> TenantInput {
        let object = try object(value, at: location)
        let key = if let pathKey { pathKey } else { try string(object, "key", at: location) }
        let name = try optionalString(object, "name", at: location) ?? nil
        if pathKey == nil, name == nil { throw .missing(location + ["name"]) }
        return TenantInput(
            key: key, name: name, description: try optionalString(object, "description", at: location),
            attributes: try optionalAttributes(object, "attributes", at: location))
    }
}
