// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One PostgreSQL connection used from one thread at a time, blocking: the facts writer's
/// serial queue (never an event loop) runs its statements one after another. Connects on
/// first use and again after any failure, so a restarted server is picked up by the next
/// statement. Every wait is bounded by the configuration's timeout; on a timeout the
/// connection is closed, so a server that stops answering cannot hold the writer.
final class PostgresSession {
    let configuration: PostgresStoreConfiguration
    let logger: Logger
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private var connection: PostgresConnection?
    private var nextID = 1

    init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit { close() }

    /// Closes the connection (the next statement connects again).
    func close() {
        if let connection { Self.close(connection) }
        connection = nil
    }

    /// Closes `connection`, keeping it alive until it is closed (PostgresNIO requires a
    /// connection to be closed before it is released).
    static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// The open connection, connecting first when there is none.
    func connected() throws(PostgresStoreError) -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        let options = try Self.connectionConfiguration(configuration)
        nextID += 1
        let opening = PostgresConnection.connect(
            on: group.next(), configuration: options, id: nextID, logger: logger)
        let opened = try wait(opening, seconds: configuration.timeoutSeconds, closing: nil, what: "connecting to \(configuration.redacted)")
        connection = opened
        return opened
    }

    /// Runs `query` and returns all its rows. A failure other than the server refusing the
    /// statement closes the connection.
    /// - Parameter seconds: how long to wait (default: the configured timeout).
    @discardableResult
    func query(_ query: PostgresQuery, seconds: Double? = nil) throws(PostgresStoreError) -> [PostgresRow] {
        let connection = try connected()
        let result = try wait(
            connection.query(query, logger: logger), seconds: seconds ?? configuration.timeoutSeconds, closing: connection,
            what: Self.firstWords(query.sql))
        return result.rows
    }

    /// Runs `query`, handing each row to `onRow` as it arrives (on an event loop thread),
    /// without collecting them: for reading a million rows.
    func stream(_ query: PostgresQuery, seconds: Double, onRow: @escaping @Sendable (PostgresRow) throws -> Void) throws(PostgresStoreError) {
        let connection = try connected()
        _ = try wait(connection.query(query, logger: logger, onRow), seconds: seconds, closing: connection, what: Self.firstWords(query.sql))
    }

    /// Runs `body` between `BEGIN` (with `isolation`, e.g. `ISOLATION LEVEL REPEATABLE READ`)
    /// and `COMMIT`; rolls back when it throws. The commit is acknowledged only once
    /// PostgreSQL has answered it.
    func transaction<T>(_ isolation: String = "", _ body: () throws(PostgresStoreError) -> T) throws(PostgresStoreError) -> T {
        try query(PostgresQuery(unsafeSQL: "BEGIN \(isolation)"))
        let value: T
        do {
            value = try body()
        } catch {
            // The connection may be broken; a failed rollback is settled by closing it.
            do { try query("ROLLBACK") } catch { close() }
            throw error
        }
        try query("COMMIT")
        return value
    }

    private func wait<T: Sendable>(
        _ future: EventLoopFuture<T>, seconds: Double, closing connection: PostgresConnection?, what: String
    ) throws(PostgresStoreError) -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        let settled = Mutex(false)
        let settle: @Sendable (Result<T, any Error>) -> Void = { result in
            guard settled.withLock({ done in defer { done = true }; return !done }) else { return }
            promise.completeWith(result)
        }
        future.whenComplete(settle)
        let timer = future.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            settle(.failure(PostgresStoreError.unavailable("\(what): no answer within \(seconds) s")))
            if let connection { Self.close(connection) }
        }
        do {
            let value = try promise.futureResult.wait()
            timer.cancel()
            return value
        } catch {
            timer.cancel()
            // The server refused a statement: the connection is fine (the caller rolls back).
            // Anything else (a timeout, a lost connection) leaves it unusable.
            if (error as? PSQLError)?.serverInfo == nil { close() }
            if let error = error as? PostgresStoreError { throw error }
            throw .unavailable("\(what): \(Self.describe(error))")
        }
    }

    /// PSQLError's `description` hides the server's message on purpose; the debug text has
    /// it (the SQL state and message, never bound values).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState] ?? ""
                return "\(message) (SQLSTATE \(state))"
            }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }

    static func firstWords(_ sql: String) -> String {
        String(sql.split(whereSeparator: \.isWhitespace).prefix(3).joined(separator: " "))
    }

    /// PostgresNIO's configuration for `configuration`, with TLS as libpq's `sslmode` would
    /// use it: `prefer` and `require` encrypt without verifying the certificate,
    /// `verify-full` (``PostgresStoreConfiguration/TLSMode/verifyFull``) verifies it.
    static func connectionConfiguration(_ configuration: PostgresStoreConfiguration) throws(PostgresStoreError) -> PostgresConnection.Configuration {
        var options: PostgresConnection.Configuration
        if let socket = configuration.unixSocketPath {
            options = .init(unixSocketPath: socket, username: configuration.username, password: configuration.password, database: configuration.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch configuration.tls {
                case .disable:
                    tls = .disable
                case .prefer, .require:
                    var client = TLSConfiguration.makeClientConfiguration()
                    client.certificateVerification = .none
                    let context = try NIOSSLContext(configuration: client)
                    tls = configuration.tls == .prefer ? .prefer(context) : .require(context)
                case .verifyFull:
                    tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            } catch {
                throw .unavailable("TLS cannot be set up: \(error)")
            }
            options = .init(
                host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: tls)
        }
        options.options.connectTimeout = .nanoseconds(Int64(configuration.timeoutSeconds * 1e9))
        return options
    }
}
