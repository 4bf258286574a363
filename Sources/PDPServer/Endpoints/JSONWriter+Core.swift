// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPWire

extension JSONWriter {
    /// Writes an attribute value; object keys are sorted so answers are byte-stable.
    mutating func attribute(_ value: AttributeValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): int(number)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { attribute(element) }
            endArray()
        case .object(let members):
            attributes(members)
        }
    }

    mutating func attributes(_ members: [String: AttributeValue]) {
        beginObject()
        for key in members.keys.sorted() {
            self.key(key)
            attribute(members[key] ?? .null)
        }
        endObject()
    }

    /// The members `"user"`, `"role"`, `"tenant"` of an assignment (the caller opens the object).
    mutating func assignmentMembers(_ assignment: RoleAssignment) {
        key("user")
        string(assignment.user)
        key("role")
        string(assignment.role)
        key("tenant")
        string(assignment.tenant)
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }
}

/// `{"key": "...", "attributes": {...}}`, the tenant shape of the PDP's answers.
enum TenantJSON {
    static func write(_ tenant: FactsIndex.Tenant, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("key")
        writer.string(tenant.key)
        writer.key("attributes")
        writer.attributes(tenant.attributes)
        writer.endObject()
    }
}

/// Decision answers with a `debug` object explaining them (`?debug=true` or `--debug`).
enum DebugWriter {
    static func writeAllowed(_ explanation: Explanation, into buffer: inout ByteBuffer) {
        var writer = JSONWriter(buffer: buffer)
        write(explanation, into: &writer)
        buffer = writer.buffer
    }

    static func writeBulk(_ explanations: [Explanation], into buffer: inout ByteBuffer) {
        var writer = JSONWriter(buffer: buffer)
        writer.beginObject()
        writer.key("allow")
        writer.beginArray()
        for explanation in explanations { write(explanation, into: &writer) }
        writer.endArray()
        writer.endObject()
        buffer = writer.buffer
    }

    private static func write(_ explanation: Explanation, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("allow")
        writer.bool(explanation.outcome.isAllowed)
        writer.key("result")
        writer.bool(explanation.outcome.isAllowed)
        writer.key("debug")
        writer.beginObject()
        writer.key("code")
        writer.string(explanation.outcome.code)
        writer.key("reason")
        writer.string(explanation.summary)
        writer.key("tenant")
        writer.string(explanation.tenant)
        writer.key("roles")
        writer.strings(explanation.heldRoles)
        writer.key("granted_by")
        writer.beginArray()
        for path in explanation.grantingRoles { writer.strings(path) }
        writer.endArray()
        writer.endObject()
        writer.endObject()
    }
}
