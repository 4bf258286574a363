// SPDX-License-Identifier: Apache-2.0

/// How `pdp serve` listens and what it accepts.
///
/// Defaults: host `127.0.0.1`, port `7766` (the SDKs' default PDP port), no API key (then
/// only a host whose every address is loopback may be bound), the ``RequestLimits`` defaults,
/// debug off, `/metrics` behind the API key, `/ready` unaffected by a failed reload (the last
/// good policy serves), 10 s for graceful shutdown.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// `0` picks a free port (see ``PDPServer/localPort``).
    public var port: Int
    /// The token clients must send as `Authorization: Bearer <key>`; `nil` disables auth.
    public var apiKey: String?
    public var limits: RequestLimits
    /// When `true`, every decision response carries a `debug` object with the reason;
    /// otherwise only requests with `?debug=true` get one.
    public var debugByDefault: Bool
    /// When `true`, `GET /metrics` answers without the API key (for a scraper that cannot
    /// send one); otherwise it needs the key like every other endpoint but the probes.
    public var metricsUnauthenticated: Bool
    /// When `true`, `/ready` answers 503 while the last policy reload failed (until one
    /// succeeds); otherwise the last good policy keeps serving and `/ready` stays 200.
    public var strictReload: Bool
    /// On graceful shutdown, how long requests in flight and keep-alive connections get to
    /// finish before the remaining connections are closed.
    public var shutdownTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 7766,
        apiKey: String? = nil,
        limits: RequestLimits = RequestLimits(),
        debugByDefault: Bool = false,
        metricsUnauthenticated: Bool = false,
        strictReload: Bool = false,
        shutdownTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.limits = limits
        self.debugByDefault = debugByDefault
        self.metricsUnauthenticated = metricsUnauthenticated
        self.strictReload = strictReload
        self.shutdownTimeout = shutdownTimeout
    }

    /// Refuses what can be refused without resolving the host: an empty API key, a port out
    /// of range. Whether the host may be bound without an API key is decided on its
    /// resolved addresses, by ``listenAddress()`` (which ``PDPServer/start()`` calls).
    public func validate() throws(ConfigurationError) {
        if let apiKey, apiKey.isEmpty { throw ConfigurationError(message: "the API key must not be empty") }
        try limits.validate()
        guard (0...65535).contains(port) else { throw ConfigurationError(message: "port \(port) is out of range") }
        guard shutdownTimeout >= .zero else { throw ConfigurationError(message: "the shutdown timeout must not be negative") }
    }
}

/// Size, count and time limits, enforced in one place: the HTTP handler.
///
/// Defaults: 1 MiB bodies, 10,000 checks per bulk request, 16 KiB of headers, 60 s idle
/// timeout, 10 s for a request head, bodies at 10 s plus 1 KiB/s, 10,000 connections of
/// which at most a tenth without an authenticated request, 64 MiB of buffered bodies in all.
public struct RequestLimits: Sendable {
    /// Largest accepted request body; larger bodies get `413`.
    public var maxBodyBytes: Int = 1 << 20
    /// Most checks in one `/allowed/bulk` request; more get `413`.
    public var maxBulkChecks: Int = 10_000
    /// Largest total size of request headers (and of a chunked body's trailers); larger get
    /// `431` and the connection is closed.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Seconds a connection may stay idle between requests before it is closed.
    public var idleTimeoutSeconds: Int64 = 60
    /// Seconds a whole request head may take to arrive, from its first byte (from the
    /// connection's start for the first request); a slower one gets `408` and a close, so a
    /// client trickling bytes cannot hold a connection by resetting the idle timer.
    public var headerTimeoutSeconds: Int64 = 10
    /// Seconds a request body may take before ``minBodyBytesPerSecond`` counts: a body must
    /// arrive within this plus its size over that rate (`408` and a close otherwise).
    public var bodyTimeoutSeconds: Int64 = 10
    /// Slowest average rate, in bytes per second, a body may arrive at after
    /// ``bodyTimeoutSeconds``.
    public var minBodyBytesPerSecond: Int = 1024
    /// Most concurrent connections. At the limit the oldest connection that has not yet sent
    /// an authenticated request is closed to admit a new one; when every connection has,
    /// new ones are closed at once.
    public var maxConnections: Int = 10_000
    /// Most connections at once that have not yet sent an authenticated request (with no API
    /// key configured: any complete request); past it the oldest of them is closed to admit
    /// a new one. `nil` is a tenth of ``maxConnections`` (at least 1).
    public var maxUnauthenticatedConnections: Int? = nil
    /// Most body bytes buffered across all connections while bodies arrive; a body that
    /// would pass it gets `503` and a close. At least ``maxBodyBytes``.
    public var maxBufferedBodyBytes: Int = 64 << 20
    /// Deepest JSON nesting accepted in a body.
    public var maxJSONDepth: Int = 64

    public init() {}

    /// ``maxUnauthenticatedConnections`` with its default applied.
    public var unauthenticatedConnectionLimit: Int {
        min(maxConnections, max(1, maxUnauthenticatedConnections ?? maxConnections / 10))
    }

    /// Refuses limits the server cannot work with.
    public func validate() throws(ConfigurationError) {
        func positive(_ value: Int64, _ name: String) throws(ConfigurationError) {
            if value < 1 { throw ConfigurationError(message: "\(name) must be at least 1") }
        }
        try positive(Int64(maxBodyBytes), "the body limit")
        try positive(Int64(maxBulkChecks), "the bulk check limit")
        try positive(Int64(maxHeaderBytes), "the header limit")
        try positive(idleTimeoutSeconds, "the idle timeout")
        try positive(headerTimeoutSeconds, "the header timeout")
        try positive(bodyTimeoutSeconds, "the body timeout")
        try positive(Int64(minBodyBytesPerSecond), "the minimum body rate")
        try positive(Int64(maxConnections), "the connection limit")
        try positive(Int64(maxJSONDepth), "the JSON depth limit")
        if let unauthenticated = maxUnauthenticatedConnections { try positive(Int64(unauthenticated), "the unauthenticated connection limit") }
        if maxBufferedBodyBytes < maxBodyBytes {
            throw ConfigurationError(
                message: "the buffered body budget (\(maxBufferedBodyBytes) bytes) must be at least the body limit (\(maxBodyBytes) bytes)")
        }
        // Seconds are turned into nanoseconds for timers: keep them far from overflowing.
        for (value, name) in [(idleTimeoutSeconds, "the idle timeout"), (headerTimeoutSeconds, "the header timeout"), (bodyTimeoutSeconds, "the body timeout")]
        where value > 86_400 * 365 {
            throw ConfigurationError(message: "\(name) must be at most a year")
        }
    }
}

/// A configuration that cannot be served.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
