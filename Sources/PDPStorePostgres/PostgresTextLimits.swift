// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore

/// What PostgreSQL cannot store that the local journal can: text with U+0000 (`text` and
/// `jsonb` refuse it), and keys longer than a B-tree index entry may be (about 2,700 bytes
/// per row of `(user_key, role, tenant_key)`; 2,400 leaves room for the row header).
enum PostgresTextLimits {
    static let maxIndexedBytes = 2400

    /// Why `mutations` cannot be stored, or `nil`.
    static func problem(_ mutations: [FactsMutation]) -> String? {
        for mutation in mutations {
            switch mutation {
            case .putUser(let user):
                if let why = key(user.key) ?? text([user.email, user.firstName, user.lastName]) ?? attributes(user.attributes) { return why }
            case .putTenant(let tenant):
                if let why = key(tenant.key) ?? text([tenant.name, tenant.description]) ?? attributes(tenant.attributes) { return why }
            case .deleteUser(let name), .deleteTenant(let name):
                if let why = key(name) { return why }
            case .assign(let assignment, _), .unassign(let assignment):
                if let why = text([assignment.user, assignment.role, assignment.tenant]) { return why }
                if assignment.user.utf8.count + assignment.role.utf8.count + assignment.tenant.utf8.count > maxIndexedBytes {
                    return "a role assignment's user, role and tenant keys together may have at most \(maxIndexedBytes) bytes with the PostgreSQL facts store"
                }
            }
        }
        return nil
    }

    private static func key(_ key: String) -> String? {
        if let why = text([key]) { return why }
        return key.utf8.count > maxIndexedBytes ? "keys may have at most \(maxIndexedBytes) bytes with the PostgreSQL facts store" : nil
    }

    private static func text(_ values: [String?]) -> String? {
        for case let value? in values where value.utf8.contains(0) {
            return "the PostgreSQL facts store cannot hold the character U+0000 (in \"\(value.replacingOccurrences(of: "\u{0}", with: "\\u0000").prefix(60))\")"
        }
        return nil
    }

    private static func attributes(_ members: [String: AttributeValue]) -> String? {
        for (name, value) in members {
            if let why = text([name]) ?? attribute(value) { return why }
        }
        return nil
    }

    private static func attribute(_ value: AttributeValue) -> String? {
        switch value {
        case .string(let text): return Self.text([text])
        case .array(let elements): return elements.lazy.compactMap(attribute).first
        case .object(let members): return attributes(members)
        case .null, .bool, .int, .double: return nil
        }
    }
}
