// SPDX-License-Identifier: Apache-2.0
import PostgresNIO

/// The facts schema and its versioned migrations. Each migration runs once, in its own
/// transaction (all of it or none), recorded in `pdp_schema_migrations`; the server runs the missing ones at
/// start (and `pdp facts migrate` alone), under an advisory lock so sidecars starting
/// together do not race.
///
/// Tables (keys are `text COLLATE "C"`: compared by bytes, as the PDP compares them):
/// - `pdp_facts_head`: one row, the store's identity (`store_id`) and the position of the
///   last committed change. Writers lock this row (`SELECT ... FOR UPDATE`) for the length
///   of their transaction: the store's single-writer lock.
/// - `pdp_facts_changes`: the change log, one row per request (`position`, the request's
///   mutations in the journal's binary form, `committed_at`).
/// - `pdp_users`, `pdp_tenants`, `pdp_role_assignments`: the facts themselves, one row per
///   key whichever sidecar wrote it (attributes as `jsonb`).
enum PostgresSchema {
    /// The version this server writes; a database at a later one is refused.
    static var latestVersion: Int { migrations.count }

    /// Key of the advisory lock migrations hold.
    static let migrationLock: Int64 = 0x7064_705f_6d69_6731  // "pdp_mig1"

    /// Migrations in order; version = index + 1. Never edit one that has shipped: add another.
    static let migrations: [(description: String, statements: [String])] = [
        (
            "facts tables, change log and head",
            [
                """
                CREATE TABLE pdp_facts_head (
                    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                    store_id uuid NOT NULL,
                    position bigint NOT NULL CHECK (position >= 0))
                """,
                "INSERT INTO pdp_facts_head (store_id, position) VALUES (gen_random_uuid(), 0)",
                """
                CREATE TABLE pdp_facts_changes (
                    position bigint PRIMARY KEY,
                    mutations bytea NOT NULL,
                    committed_at timestamptz NOT NULL DEFAULT now())
                """,
                """
                CREATE TABLE pdp_users (
                    key text COLLATE "C" PRIMARY KEY,
                    email text,
                    first_name text,
                    last_name text,
                    attributes jsonb NOT NULL DEFAULT '{}',
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL)
                """,
                """
                CREATE TABLE pdp_tenants (
                    key text COLLATE "C" PRIMARY KEY,
                    name text NOT NULL,
                    description text,
                    attributes jsonb NOT NULL DEFAULT '{}',
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    last_action_at timestamptz NOT NULL)
                """,
                """
                CREATE TABLE pdp_role_assignments (
                    user_key text COLLATE "C" NOT NULL,
                    role text COLLATE "C" NOT NULL,
                    tenant_key text COLLATE "C" NOT NULL,
                    assigned_at timestamptz NOT NULL,
                    PRIMARY KEY (user_key, role, tenant_key))
                """,
                "CREATE INDEX pdp_role_assignments_tenant ON pdp_role_assignments (tenant_key)",
            ]
        )
    ]

    /// Brings the schema to ``latestVersion``.
    /// - Returns: the versions applied now (empty when it was current).
    /// - Throws: ``PostgresStoreError/schemaTooNew(found:known:)`` for a database a newer
    ///   `pdp` migrated, ``PostgresStoreError/unavailable(_:)`` when a statement fails.
    @discardableResult
    static func migrate(_ session: PostgresSession) throws(PostgresStoreError) -> [Int] {
        var applied: [Int] = []
        while true {
            let done = try session.transaction { () throws(PostgresStoreError) -> Bool in
                try session.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
                try session.query(
                    """
                    CREATE TABLE IF NOT EXISTS pdp_schema_migrations (
                        version integer PRIMARY KEY,
                        description text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())
                    """)
                let current = try version(session)
                guard current <= latestVersion else { throw .schemaTooNew(found: current, known: latestVersion) }
                guard current < latestVersion else { return true }
                let version = current + 1
                let migration = migrations[version - 1]
                for statement in migration.statements { try session.query(PostgresQuery(unsafeSQL: statement)) }
                try session.query("INSERT INTO pdp_schema_migrations (version, description) VALUES (\(version), \(migration.description))")
                applied.append(version)
                return false
            }
            if done { return applied }
        }
    }

    /// The schema version recorded in the database (0 before any migration).
    static func version(_ session: PostgresSession) throws(PostgresStoreError) -> Int {
        let rows = try session.query("SELECT coalesce(max(version), 0)::integer FROM pdp_schema_migrations")
        guard let row = rows.first, let version = try? row.decode(Int32.self) else { return 0 }
        return Int(version)
    }
}
