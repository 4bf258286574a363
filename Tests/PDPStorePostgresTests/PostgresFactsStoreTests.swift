// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPCore
import PDPStore
import PostgresNIO
import Testing

@testable import PDPStorePostgres

@Suite("PostgresFactsStore", .enabled(if: TestDatabase.available, "needs $PDP_TEST_POSTGRES_URL (scripts/test.sh starts a cluster)"))
struct PostgresFactsStoreTests {
    @Test("a write through one sidecar's store reaches another's by following, rows keyed the same")
    func followsAnotherWriter() throws {
        let url = try TestDatabase.make()
        let a = try TestDatabase.store(url)
        let b = try TestDatabase.store(url)
        let attributes: [String: AttributeValue] = ["n": .array([.double(1.0), .int(2), .null, .bool(true), .object(["x": .string("é")])])]
        try a.write([[.putUser(Fixtures.user("alice", attributes)), Fixtures.assign("alice", "admin")]])
        try a.write([[.putTenant(TenantRecord(key: "acme", name: "Acme", createdAt: Fixtures.time, updatedAt: Fixtures.time, lastActionAt: Fixtures.time))]])
        let followed = try b.follow()
        #expect(followed.count == 2)
        #expect(b.state == a.state)
        #expect(b.lastSequence == 2)
        // B writes on top; A sees it, and the same key is one row whichever wrote it.
        try b.write([[.putUser(Fixtures.user("alice")), .deleteTenant(key: "acme")]])
        _ = try a.follow()
        #expect(a.state == b.state)
        let session = try TestDatabase.session(url)
        defer { session.close() }
        let rows = try session.query("SELECT count(*)::bigint FROM pdp_users WHERE key = 'alice'")
        #expect(try rows.first?.decode(Int64.self) == 1)
        // A third store loads the tables as a snapshot and gets the same facts, attribute
        // types (double 1.0 stays a double) included.
        let c = try TestDatabase.store(url)
        #expect(c.state == a.state)
        #expect(c.lastSequence == 3)
    }

    @Test("two writers racing on one user on different stores lose no update: each write sees the other's")
    func concurrentWritersSerialize() async throws {
        let url = try TestDatabase.make()
        let stores = [Owned(try TestDatabase.store(url)), Owned(try TestDatabase.store(url))]
        let rounds = 40
        // Each write reads the counter from the latest facts and writes counter + 1: unless
        // every write is checked against the other store's commits, increments are lost.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask {
                    try await onThread {
                        for _ in 0..<rounds {
                            _ = try store.value.commit { latest in
                                guard case .int(let count)? = latest.user("racer")?.attributes["count"] else {
                                    return [[.putUser(Fixtures.user("racer", ["count": .int(1)]))]]
                                }
                                return [[.putUser(Fixtures.user("racer", ["count": .int(count + 1)])), Fixtures.assign("racer", "r\(count)")]]
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in stores { _ = try store.value.follow() }
        let (a, b) = (stores[0].value, stores[1].value)
        #expect(a.state.user("racer")?.attributes["count"] == .int(2 * rounds))
        #expect(a.state == b.state)
        #expect(a.lastSequence == UInt64(2 * rounds))
        #expect(b.lastSequence == UInt64(2 * rounds))
        let session = try TestDatabase.session(url)
        defer { session.close() }
        let rows = try session.query("SELECT count(*)::bigint, min(position), max(position) FROM pdp_facts_changes")
        let (count, first, last) = try #require(try rows.first?.decode((Int64, Int64, Int64).self))
        #expect(count == Int64(2 * rounds) && first == 1 && last == Int64(2 * rounds), "positions are gapless")
        #expect(try TestDatabase.store(url).state == a.state, "the tables hold what the log does")
    }

    @Test("a write waiting for the lock applies the change committed meanwhile first, and takes the next position")
    func commitOrderUnderTheLock() async throws {
        let url = try TestDatabase.make()
        let writer = Owned(try TestDatabase.store(url))
        try writer.value.write([[.putUser(Fixtures.user("first"))]])
        // Another sidecar's transaction holds the head lock and has not committed yet.
        let other = try TestDatabase.session(url)
        defer { other.close() }
        try other.query("BEGIN")
        try other.query("SELECT position FROM pdp_facts_head FOR UPDATE")
        let started = DispatchSemaphore(value: 0)
        async let waiting: [[FactsMutation]] = onThread {
            started.signal()
            return try writer.value.commit { latest in
                // Runs only once the other transaction has committed: its user is there.
                [[.putUser(Fixtures.user(latest.user("slow") == nil ? "saw-nothing" : "saw-slow"))]]
            }
        }
        started.wait()
        let bytes = ByteBuffer(bytes: FactsMutation.encode([.putUser(Fixtures.user("slow"))]))
        try other.query("INSERT INTO pdp_facts_changes (position, mutations) VALUES (2, \(bytes))")
        try other.query("INSERT INTO pdp_users (key, attributes, created_at, updated_at) VALUES ('slow', '{}', now(), now())")
        try other.query("UPDATE pdp_facts_head SET position = 2")
        try other.query("COMMIT")
        let foreign = try await waiting
        #expect(foreign == [[.putUser(Fixtures.user("slow"))]])
        #expect(writer.value.lastSequence == 3)
        #expect(writer.value.state.user("saw-slow") != nil)
        #expect(writer.value.state.user("slow") != nil)
    }

    @Test("the local copy starts a sidecar at its last position while PostgreSQL is unreachable, then it catches up")
    func startsFromTheLocalCopy() throws {
        let url = try TestDatabase.make()
        let directory = ScratchDirectory()
        defer { directory.remove() }
        do {
            let store = try TestDatabase.store(url, directory: directory.path)
            try store.write([[.putUser(Fixtures.user("alice")), Fixtures.assign("alice", "admin")]])
        }
        let writer = try TestDatabase.store(url)
        try writer.write([[.putUser(Fixtures.user("bob"))]])
        // PostgreSQL unreachable: the last state and position come from the local copy.
        var configuration = try PostgresStoreConfiguration(url: TestDatabase.unreachableURL(), cacheDirectory: directory.path)
        configuration.database = try PostgresStoreConfiguration(url: url).database
        do {
            let offline = try PostgresFactsStore(configuration: configuration, logger: TestDatabase.logger)
            #expect(offline.startedFrom == "local copy")
            #expect(offline.lastSequence == 1)
            #expect(offline.state.user("alice") != nil && offline.state.user("bob") == nil)
            #expect(offline.status.reading.connected == false)
            #expect(throws: FactsStoreError.self) { try offline.write([[.putUser(Fixtures.user("carol"))]]) }
            #expect(offline.lastSequence == 1, "a refused write changes nothing")
        }
        // Back online: it continues from position 1 by reading the log, not the tables.
        let online = try TestDatabase.store(url, directory: directory.path)
        #expect(online.lastSequence == 2)
        #expect(online.state == writer.state)
        #expect(online.status.reading.syncedAt != nil)
    }

    @Test("pointed at another database, the local copy is replaced by that database's facts")
    func anotherDatabaseReplacesTheLocalCopy() throws {
        let first = try TestDatabase.make()
        let second = try TestDatabase.make()
        let directory = ScratchDirectory()
        defer { directory.remove() }
        do {
            let store = try TestDatabase.store(first, directory: directory.path)
            try store.write([[.putUser(Fixtures.user("alice"))], [.putUser(Fixtures.user("bob"))]])
        }
        try TestDatabase.store(second).write([[.putUser(Fixtures.user("carol"))]])
        let store = try TestDatabase.store(second, directory: directory.path)
        #expect(store.lastSequence == 1)
        #expect(store.state.users.count == 1 && store.state.user("carol") != nil)
    }

    @Test("a sidecar whose position the trimmed change log no longer holds reloads the tables")
    func trimmedLogReloads() throws {
        let url = try TestDatabase.make()
        let directory = ScratchDirectory()
        defer { directory.remove() }
        do {
            let store = try TestDatabase.store(url, directory: directory.path)
            try store.write([[.putUser(Fixtures.user("alice"))]])
        }
        let writer = try TestDatabase.store(url)
        try writer.write([[.deleteUser(key: "alice")], [.putUser(Fixtures.user("bob"))], [Fixtures.assign("bob", "admin")]])
        let session = try TestDatabase.session(url)
        defer { session.close() }
        try session.query("DELETE FROM pdp_facts_changes WHERE position <= 3")
        let store = try TestDatabase.store(url, directory: directory.path)
        #expect(store.lastSequence == 4)
        #expect(store.state == writer.state)
    }

    @Test("the difference between two fact sets, applied, turns one into the other")
    func differenceConverges() {
        var old = FactsState()
        old.apply([.putUser(Fixtures.user("a")), .putUser(Fixtures.user("b")), Fixtures.assign("a", "x"), Fixtures.assign("b", "x"), Fixtures.assign("yaml-only", "x")])
        var new = FactsState()
        new.apply([.putUser(Fixtures.user("b", ["k": .int(1)])), Fixtures.assign("a", "x"), Fixtures.assign("c", "y")])
        var moved = old
        moved.apply(FactsDifference.mutations(from: old, to: new))
        #expect(moved == new)
    }
}

@Suite("PostgresSchema", .enabled(if: TestDatabase.available, "needs $PDP_TEST_POSTGRES_URL"))
struct PostgresSchemaTests {
    @Test("migrations create the schema once, and a schema newer than this pdp is refused")
    func migrations() throws {
        let url = try TestDatabase.make()
        let configuration = try PostgresStoreConfiguration(url: url)
        let first = try PostgresMigration.run(configuration, logger: TestDatabase.logger)
        #expect(first.from == 0 && first.to == PostgresMigration.latestVersion)
        let again = try PostgresMigration.run(configuration, logger: TestDatabase.logger)
        #expect(again.from == again.to)
        let session = try TestDatabase.session(url)
        defer { session.close() }
        try session.query("INSERT INTO pdp_schema_migrations (version, description) VALUES (99, 'from the future')")
        #expect(throws: PostgresStoreError.schemaTooNew(found: 99, known: PostgresMigration.latestVersion)) {
            _ = try PostgresMigration.run(configuration, logger: TestDatabase.logger)
        }
        #expect(throws: PostgresStoreError.self) { _ = try TestDatabase.store(url) }
    }

    @Test("URLs: defaults, Unix sockets, sslmode, and the password is never shown")
    func urls() throws {
        let plain = try PostgresStoreConfiguration(url: "postgres://app:s%40cret@db.internal/facts")
        #expect(plain.host == "db.internal" && plain.port == 5432 && plain.username == "app" && plain.password == "s@cret")
        #expect(plain.database == "facts" && plain.tls == .prefer)
        #expect(!plain.redacted.contains("cret"))
        let socket = try PostgresStoreConfiguration(url: "postgresql://app@%2Fvar%2Frun%2Fpostgresql:5433/facts?sslmode=disable")
        #expect(socket.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5433" && socket.tls == .disable)
        #expect(throws: PostgresStoreError.self) { _ = try PostgresStoreConfiguration(url: "mysql://x@y/z") }
        #expect(throws: PostgresStoreError.self) { _ = try PostgresStoreConfiguration(url: "postgres://x@y/z?sslmode=sometimes") }
    }
}
