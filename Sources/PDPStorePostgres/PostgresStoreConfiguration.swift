// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where the shared facts store is and how a sidecar uses it.
///
/// Built from a URL, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`
/// (`postgresql://` too; user, password and database percent-decoded). Defaults: port 5432,
/// user `postgres`, database the user's name, `sslmode=prefer` (TLS when the server offers
/// it), connect and statement timeout 5 s, a catch-up poll every
/// second. `host` may be `%2Fpath` (or `?host=/path`) for a Unix socket directory, as libpq
/// takes it.
public struct PostgresStoreConfiguration: Sendable {
    /// How TLS is used, as libpq's `sslmode`: `disable` (never), `prefer` (when the server
    /// offers it), `require` (refuse a server without TLS), neither verifying the server's
    /// certificate; `verify-full` (`verify-ca` too) also verifies it against the system's
    /// trusted roots and the host name.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require, verifyFull
    }

    public var host: String
    public var port: Int
    /// A Unix socket file (`DIR/.s.PGSQL.PORT`) to connect through instead of TCP.
    public var unixSocketPath: String?
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Seconds to wait for a connection, and for any one statement, before giving up.
    public var timeoutSeconds: Double
    /// Seconds between reads of the change log when no notification arrives: the bound on
    /// how late a missed notification is made up for, and how often staleness is refreshed.
    public var pollIntervalSeconds: Double
    /// The sidecar's own directory for its copy of the facts and their position (started
    /// from when PostgreSQL is down); `nil` keeps nothing locally.
    public var cacheDirectory: String?

    /// Reads a `postgres://` URL.
    /// - Throws: ``PostgresStoreError/badURL(_:)`` saying what is wrong (the password is
    ///   never repeated).
    public init(url text: String, cacheDirectory: String? = nil) throws(PostgresStoreError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw .badURL("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] { query[item.name] = item.value ?? "" }
        username = url.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        password = url.percentEncodedPassword?.removingPercentEncoding
        let path = url.percentEncodedPath.removingPercentEncoding ?? ""
        database = path.hasPrefix("/") && path.count > 1 ? String(path.dropFirst()) : username
        port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw .badURL("port \(port) is out of range") }
        let hostText = query["host"] ?? url.percentEncodedHost?.removingPercentEncoding ?? ""
        if hostText.hasPrefix("/") {
            host = "localhost"
            unixSocketPath = "\(hostText)/.s.PGSQL.\(port)"
        } else {
            host = hostText.isEmpty ? "localhost" : hostText
        }
        let mode = query["sslmode"] ?? "prefer"
        switch mode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require": tls = .require
        case "verify-ca", "verify-full": tls = .verifyFull
        default: throw .badURL("unknown sslmode=\(mode) (disable, prefer, require or verify-full)")
        }
        timeoutSeconds = 5
        if let value = query["connect_timeout"] {
            guard let seconds = Double(value), seconds > 0 else { throw .badURL("connect_timeout must be a positive number of seconds") }
            timeoutSeconds = seconds
        }
        pollIntervalSeconds = 1
        self.cacheDirectory = cacheDirectory
    }

    /// The URL without its password, for logs and `/ready`.
    public var redacted: String {
        let place = unixSocketPath.map { "[\($0)]" } ?? "\(host):\(port)"
        return "postgres://\(username)@\(place)/\(database)"
    }
}
