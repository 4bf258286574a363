// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPStore
import PDPWire
import PostgresNIO
import Synchronization

/// Reads the whole fact tables and the change position they correspond to, in one
/// `REPEATABLE READ` transaction: every writer updates the tables, the log and the head in
/// one transaction, so one snapshot sees all of a change or none of it, and the head's
/// position is exactly the last change the tables hold.
enum FactsSnapshotLoader {
    struct Loaded {
        var storeID: String
        var position: UInt64
        var state: FactsState
    }

    /// Rows arrive on an event loop thread while the caller waits; the box is only touched
    /// there until the query completes.
    private final class Collector: @unchecked Sendable {
        var state = FactsState()
        var problem: String?
    }

    /// Seconds a whole load may take (a million users take a few).
    static let timeoutSeconds: Double = 600

    static func load(_ session: PostgresSession) throws(PostgresStoreError) -> Loaded {
        try session.transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY") { () throws(PostgresStoreError) -> Loaded in
            let (storeID, position) = try head(session)
            let collector = Collector()
            let time = { (name: String) in "(extract(epoch from \(name)) * 1000)::bigint" }
            try session.stream(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT key, name, description, attributes::text, \(time("created_at")), \(time("updated_at")), \(time("last_action_at")) FROM pdp_tenants"
                ), seconds: timeoutSeconds
            ) { row in
                let (key, name, description, attributes, created, updated, lastAction) = try row.decode(
                    (String, String, String?, String, Int64, Int64, Int64).self)
                collector.state.apply(
                    .putTenant(
                        TenantRecord(
                            key: key, name: name, description: description, attributes: parse(attributes, collector),
                            createdAt: Timestamp(millisecondsSinceEpoch: created), updatedAt: Timestamp(millisecondsSinceEpoch: updated),
                            lastActionAt: Timestamp(millisecondsSinceEpoch: lastAction))))
            }
            try session.stream(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT key, email, first_name, last_name, attributes::text, \(time("created_at")), \(time("updated_at")) FROM pdp_users"
                ), seconds: timeoutSeconds
            ) { row in
                let (key, email, first, last, attributes, created, updated) = try row.decode(
                    (String, String?, String?, String?, String, Int64, Int64).self)
                collector.state.apply(
                    .putUser(
                        UserRecord(
                            key: key, email: email, firstName: first, lastName: last, attributes: parse(attributes, collector),
                            createdAt: Timestamp(millisecondsSinceEpoch: created), updatedAt: Timestamp(millisecondsSinceEpoch: updated))))
            }
            try session.stream(
                PostgresQuery(unsafeSQL: "SELECT user_key, role, tenant_key, \(time("assigned_at")) FROM pdp_role_assignments"),
                seconds: timeoutSeconds
            ) { row in
                let (user, role, tenant, at) = try row.decode((String, String, String, Int64).self)
                collector.state.apply(.assign(AssignmentKey(user: user, role: role, tenant: tenant), at: Timestamp(millisecondsSinceEpoch: at)))
            }
            if let problem = collector.problem { throw .inconsistent(problem) }
            return Loaded(storeID: storeID, position: position, state: collector.state)
        }
    }

    /// The store's identity and its last committed position.
    static func head(_ session: PostgresSession, forUpdate: Bool = false) throws(PostgresStoreError) -> (String, UInt64) {
        let rows = try session.query(
            PostgresQuery(unsafeSQL: "SELECT store_id::text, position FROM pdp_facts_head\(forUpdate ? " FOR UPDATE" : "")"))
        guard let row = rows.first, let (storeID, position) = try? row.decode((String, Int64).self), position >= 0 else {
            throw .inconsistent("pdp_facts_head has no row; run `pdp facts migrate` on an empty database")
        }
        return (storeID, UInt64(position))
    }

    private static func parse(_ text: String, _ collector: Collector) -> [String: AttributeValue] {
        guard case .object(let members)? = try? JSONValue.parse(text) else {
            collector.problem = "an attributes column is not a JSON object: \(text.prefix(80))"
            return [:]
        }
        var attributes: [String: AttributeValue] = [:]
        for member in members { attributes[member.key] = attribute(member.value) }
        return attributes
    }

    private static func attribute(_ value: JSONValue) -> AttributeValue {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .string(let text): .string(text)
        case .array(let elements): .array(elements.map(attribute))
        case .object(let members): .object(Dictionary(members.map { ($0.key, attribute($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
