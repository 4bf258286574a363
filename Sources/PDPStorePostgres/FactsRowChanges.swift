// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPStore
import PDPWire
import PostgresNIO

/// What a group of transactions does to the fact tables, as net row changes: for every key
/// they touch, its final value (upsert) or its absence (delete). Mutations set absolute
/// values, so the final state of each touched key is all the tables need; deletes of users
/// and tenants also touch the assignments they cascade to.
struct FactsRowChanges {
    var upsertUsers: [UserRecord] = []
    var deleteUsers: [String] = []
    var upsertTenants: [TenantRecord] = []
    var deleteTenants: [String] = []
    var upsertAssignments: [(AssignmentKey, Timestamp)] = []
    var deleteAssignments: [AssignmentKey] = []

    /// The net changes of `transactions` applied in order to `before`; `after` is the result.
    init(_ transactions: [[FactsMutation]], before: FactsState, after: FactsState) {
        var users = Set<String>()
        var tenants = Set<String>()
        var assignments = Set<AssignmentKey>()
        var running = before
        for mutation in transactions.joined() {
            switch mutation {
            case .putUser(let user): users.insert(user.key)
            case .deleteUser(let key):
                users.insert(key)
                assignments.formUnion(running.assignments(ofUser: key))
            case .putTenant(let tenant): tenants.insert(tenant.key)
            case .deleteTenant(let key):
                tenants.insert(key)
                assignments.formUnion(running.assignments(inTenant: key))
            case .assign(let key, _), .unassign(let key): assignments.insert(key)
            }
            running.apply(mutation)
        }
        for key in users.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if let user = after.user(key) { upsertUsers.append(user) } else { deleteUsers.append(key) }
        }
        for key in tenants.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if let tenant = after.tenant(key) { upsertTenants.append(tenant) } else { deleteTenants.append(key) }
        }
        for key in assignments.sorted() {
            if let time = after.assignedAt(key) { upsertAssignments.append((key, time)) } else { deleteAssignments.append(key) }
        }
    }

    /// The data-modifying `WITH` clauses that make the tables hold these changes, one per
    /// non-empty set (rows travel as one `jsonb` array whatever their number), binding their
    /// values into `binds`. They run in one statement, on one snapshot, so they must not touch
    /// a row twice: each key is either deleted or upserted, never both.
    func clauses(binding binds: inout PostgresBindings) -> [String] {
        func bind(_ text: String) -> String {
            binds.append(text)
            return "$\(binds.count)"
        }
        var clauses: [String] = []
        if !deleteAssignments.isEmpty {
            clauses.append(
                """
                DELETE FROM pdp_role_assignments a USING jsonb_to_recordset(\(bind(json(deleteAssignments.map { ($0, nil) })))::jsonb)
                    AS d(u text, r text, t text)
                WHERE a.user_key = d.u AND a.role = d.r AND a.tenant_key = d.t
                """)
        }
        if !deleteUsers.isEmpty {
            binds.append(deleteUsers)
            clauses.append("DELETE FROM pdp_users WHERE key = ANY($\(binds.count))")
        }
        if !deleteTenants.isEmpty {
            binds.append(deleteTenants)
            clauses.append("DELETE FROM pdp_tenants WHERE key = ANY($\(binds.count))")
        }
        if !upsertTenants.isEmpty {
            clauses.append(
                """
                INSERT INTO pdp_tenants (key, name, description, attributes, created_at, updated_at, last_action_at)
                SELECT key, name, description, attributes, \(Self.time("c")), \(Self.time("u")), \(Self.time("l"))
                FROM jsonb_to_recordset(\(bind(json(upsertTenants)))::jsonb)
                    AS r(key text, name text, description text, attributes jsonb, c bigint, u bigint, l bigint)
                ON CONFLICT (key) DO UPDATE SET name = excluded.name, description = excluded.description,
                    attributes = excluded.attributes, created_at = excluded.created_at, updated_at = excluded.updated_at,
                    last_action_at = excluded.last_action_at
                """)
        }
        if !upsertUsers.isEmpty {
            clauses.append(
                """
                INSERT INTO pdp_users (key, email, first_name, last_name, attributes, created_at, updated_at)
                SELECT key, email, first_name, last_name, attributes, \(Self.time("c")), \(Self.time("u"))
                FROM jsonb_to_recordset(\(bind(json(upsertUsers)))::jsonb)
                    AS r(key text, email text, first_name text, last_name text, attributes jsonb, c bigint, u bigint)
                ON CONFLICT (key) DO UPDATE SET email = excluded.email, first_name = excluded.first_name,
                    last_name = excluded.last_name, attributes = excluded.attributes, created_at = excluded.created_at,
                    updated_at = excluded.updated_at
                """)
        }
        if !upsertAssignments.isEmpty {
            clauses.append(
                """
                INSERT INTO pdp_role_assignments (user_key, role, tenant_key, assigned_at)
                SELECT u, r, t, \(Self.time("at"))
                FROM jsonb_to_recordset(\(bind(json(upsertAssignments.map { ($0.0, $0.1) })))::jsonb) AS d(u text, r text, t text, at bigint)
                ON CONFLICT (user_key, role, tenant_key) DO UPDATE SET assigned_at = excluded.assigned_at
                """)
        }
        return clauses
    }

    /// One statement that stores `transactions` (with their positions and encoded mutations)
    /// in the change log, applies these row changes, moves the head to `position` and
    /// notifies followers: one round trip for the whole write.
    func statement(positions: [Int64], payloads: [ByteBuffer], position: Int64) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(positions)
        binds.append(payloads)
        var clauses = ["INSERT INTO pdp_facts_changes (position, mutations) SELECT * FROM unnest($1::bigint[], $2::bytea[])"]
        clauses += self.clauses(binding: &binds)
        binds.append(position)
        let head = binds.count
        binds.append(String(position))
        let named = clauses.enumerated().map { "w\($0.offset) AS (\($0.element))" }.joined(separator: ",\n")
        return PostgresQuery(
            unsafeSQL: "WITH \(named)\nUPDATE pdp_facts_head SET position = $\(head) RETURNING pg_notify('pdp_facts', $\(head + 1))",
            binds: binds)
    }

    /// Milliseconds since 1970 in column `name` as a `timestamptz`, exactly.
    private static func time(_ name: String) -> String { "timestamptz 'epoch' + \(name) * interval '1 millisecond'" }

    private func json(_ users: [UserRecord]) -> String {
        Self.array(users) { writer, user in
            writer.key("key")
            writer.string(user.key)
            writer.optional("email", user.email)
            writer.optional("first_name", user.firstName)
            writer.optional("last_name", user.lastName)
            writer.key("attributes")
            writer.attributes(user.attributes)
            writer.key("c")
            writer.int(Int(user.createdAt.millisecondsSinceEpoch))
            writer.key("u")
            writer.int(Int(user.updatedAt.millisecondsSinceEpoch))
        }
    }

    private func json(_ tenants: [TenantRecord]) -> String {
        Self.array(tenants) { writer, tenant in
            writer.key("key")
            writer.string(tenant.key)
            writer.key("name")
            writer.string(tenant.name)
            writer.optional("description", tenant.description)
            writer.key("attributes")
            writer.attributes(tenant.attributes)
            writer.key("c")
            writer.int(Int(tenant.createdAt.millisecondsSinceEpoch))
            writer.key("u")
            writer.int(Int(tenant.updatedAt.millisecondsSinceEpoch))
            writer.key("l")
            writer.int(Int(tenant.lastActionAt.millisecondsSinceEpoch))
        }
    }

    private func json(_ assignments: [(AssignmentKey, Timestamp?)]) -> String {
        Self.array(assignments) { writer, item in
            writer.key("u")
            writer.string(item.0.user)
            writer.key("r")
            writer.string(item.0.role)
            writer.key("t")
            writer.string(item.0.tenant)
            if let time = item.1 {
                writer.key("at")
                writer.int(Int(time.millisecondsSinceEpoch))
            }
        }
    }

    private static func array<T>(_ items: [T], _ member: (inout JSONWriter, T) -> Void) -> String {
        var writer = JSONWriter(buffer: ByteBuffer())
        writer.beginArray()
        for item in items {
            writer.beginObject()
            member(&writer, item)
            writer.endObject()
        }
        writer.endArray()
        return String(buffer: writer.buffer)
    }
}

extension JSONWriter {
    fileprivate mutating func optional(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    /// Attribute objects as JSON; doubles always carry a fraction or exponent, so they read
    /// back as doubles.
    mutating func attributes(_ members: [String: AttributeValue]) {
        beginObject()
        for name in members.keys.sorted() {
            key(name)
            attribute(members[name] ?? .null)
        }
        endObject()
    }

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
        case .object(let members): attributes(members)
        }
    }
}
