// SPDX-License-Identifier: Apache-2.0
import Dispatch
import Foundation
import Logging
import PDPCore
import PDPStore
import PostgresNIO

@testable import PDPStorePostgres

/// A fresh database per test on the cluster `$PDP_TEST_POSTGRES_URL` names (scripts/test.sh
/// starts a throwaway one with scripts/postgres-cluster.sh); the suites are skipped without it.
enum TestDatabase {
    static let baseURL = ProcessInfo.processInfo.environment["PDP_TEST_POSTGRES_URL"]
    static var available: Bool { baseURL != nil }
    static let logger = Logger(label: "pdp.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The URL of a new, empty database.
    static func make() throws -> String {
        let base = try PostgresStoreConfiguration(url: baseURL ?? "")
        let name = "pdp_t_\(UInt64.random(in: 0...UInt64.max))"
        let session = PostgresSession(configuration: base, logger: logger)
        defer { session.close() }
        try session.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return "postgres://\(base.username)@\(base.host):\(base.port)/\(name)?sslmode=disable"
    }

    /// A session on `url`, for statements the tests run beside the stores.
    static func session(_ url: String) throws -> PostgresSession {
        PostgresSession(configuration: try PostgresStoreConfiguration(url: url), logger: logger)
    }

    /// A store on `url`, with its local copy in `directory` when given.
    static func store(_ url: String, directory: String? = nil) throws -> PostgresFactsStore {
        try PostgresFactsStore(configuration: try PostgresStoreConfiguration(url: url, cacheDirectory: directory), logger: logger)
    }

    /// A URL where nothing listens (a port just bound and released).
    static func unreachableURL() -> String {
        "postgres://pdp@127.0.0.1:\(freePort())/nothing?sslmode=disable&connect_timeout=1"
    }

    private static func freePort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A temporary directory, removed with everything in it.
struct ScratchDirectory {
    let path = NSTemporaryDirectory() + "pdp-pg-test-\(UInt64.random(in: 0...UInt64.max))"

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs blocking work on its own thread (the stores block while PostgreSQL answers, as they
/// do on the writer's queue), so the test can run several at once.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Moves a non-Sendable store to the one thread that uses it.
final class Owned<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

enum Fixtures {
    static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)

    static func user(_ key: String, _ attributes: [String: AttributeValue] = [:]) -> UserRecord {
        UserRecord(key: key, email: "\(key)@example.com", firstName: key.capitalized, attributes: attributes, createdAt: time, updatedAt: time)
    }

    static func assign(_ user: String, _ role: String, _ tenant: String = "default") -> FactsMutation {
        .assign(AssignmentKey(user: user, role: role, tenant: tenant), at: time)
    }
}

extension PostgresFactsStore {
    /// Commits `transactions` (ignoring the latest facts).
    @discardableResult
    func write(_ transactions: [[FactsMutation]]) throws -> [[FactsMutation]] {
        try commit(preparing: { _ in transactions })
    }
}
