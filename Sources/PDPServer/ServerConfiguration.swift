// SPDX-License-Identifier: Apache-2.0

/// How `pdp serve` listens and what it accepts.
///
/// Defaults: host `127.0.0.1`, port `7766` (the SDKs' default PDP port), no API key (then
/// only a host whose every address is loopback may be bound), body limit 1 MiB, 10,000 checks per bulk request,
/// 16 KiB of headers, 60 s idle timeout, 10,000 concurrent connections, debug off.
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

    public init(
        host: String = "127.0.0.1",
        port: Int = 7766,
        apiKey: String? = nil,
        limits: RequestLimits = RequestLimits(),
        debugByDefault: Bool = false
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.limits = limits
        self.debugByDefault = debugByDefault
    }

    /// Refuses what can be refused without resolving the host: an empty API key, a port out
    /// of range. Whether the host may be bound without an API key is decided on its
    /// resolved addresses, by ``listenAddress()`` (which ``PDPServer/start()`` calls).
    public func validate() throws(ConfigurationError) {
        if let apiKey, apiKey.isEmpty { throw ConfigurationError(message: "the API key must not be empty") }
        guard (0...65535).contains(port) else { throw ConfigurationError(message: "port \(port) is out of range") }
    }
}

/// Size and count limits, enforced in one place: the HTTP handler.
public struct RequestLimits: Sendable {
    /// Largest accepted request body; larger bodies get `413`.
    public var maxBodyBytes: Int = 1 << 20
    /// Most checks in one `/allowed/bulk` request; more get `413`.
    public var maxBulkChecks: Int = 10_000
    /// Largest total size of request headers; larger get `431`-style rejection (connection closed with 400).
    public var maxHeaderBytes: Int = 16 * 1024
    /// Seconds a connection may stay idle before it is closed.
    public var idleTimeoutSeconds: Int64 = 60
    /// Most concurrent connections; further ones are closed at once.
    public var maxConnections: Int = 10_000
    /// Deepest JSON nesting accepted in a body.
    public var maxJSONDepth: Int = 64

    public init() {}
}

/// A configuration that cannot be served.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
