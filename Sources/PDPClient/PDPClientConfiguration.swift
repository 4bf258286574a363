// SPDX-License-Identifier: Apache-2.0

/// Where a ``PDPClient`` sends its requests and how long it waits.
///
/// Defaults: PDP at `http://127.0.0.1:7766`, facts API at the same address, no API key,
/// tenant `default`, connect timeout 1 s, whole-request timeout 2 s, at most 8 pooled
/// keep-alive connections per host, idle connections closed after 60 s, facts reached
/// through the Permit cloud path (`/v2/facts/{project}/{environment}/…`, the ids read once
/// from `/v2/api-key/scope`).
public struct PDPClientConfiguration: Sendable, Hashable {
    /// How facts calls (`syncUser`, `assignRole`, …) are addressed.
    public enum FactsRouting: Sendable, Hashable {
        /// `{apiURL}/v2/facts/{project}/{environment}/…`, with the project and environment ids
        /// read once from `GET {apiURL}/v2/api-key/scope` (what Permit's REST API expects; `pdp
        /// serve` answers it too).
        case permitAPI
        /// `{apiURL}/facts/…`: the path a Permit PDP container proxies to the cloud
        /// (`proxy_facts_via_pdp` in Permit's SDKs); no scope lookup.
        case pdpProxy
    }

    /// Base URL of the PDP (decisions): scheme, host, optional port, optional path prefix.
    public var pdpURL: String
    /// Base URL of the facts API (users, role assignments). `nil` means the PDP URL.
    public var apiURL: String?
    /// Bearer token sent on every request, or `nil` to send none.
    public var apiKey: String?
    /// Tenant used when a resource or role assignment names none.
    public var defaultTenant: String
    /// Longest wait for a TCP connection, in milliseconds.
    public var connectTimeoutMilliseconds: Int64
    /// Longest wait for a whole request (connect, send, answer), in milliseconds.
    public var requestTimeoutMilliseconds: Int64
    /// Most keep-alive connections kept per host.
    public var maxConnectionsPerHost: Int
    /// Idle pooled connections are closed after this many seconds.
    public var idleConnectionSeconds: Int64
    /// How facts calls are addressed.
    public var factsRouting: FactsRouting

    /// A configuration with every default listed on the type; pass what differs.
    public init(
        pdpURL: String = "http://127.0.0.1:7766",
        apiURL: String? = nil,
        apiKey: String? = nil,
        defaultTenant: String = "default",
        connectTimeoutMilliseconds: Int64 = 1_000,
        requestTimeoutMilliseconds: Int64 = 2_000,
        maxConnectionsPerHost: Int = 8,
        idleConnectionSeconds: Int64 = 60,
        factsRouting: FactsRouting = .permitAPI
    ) {
        self.pdpURL = pdpURL
        self.apiURL = apiURL
        self.apiKey = apiKey
        self.defaultTenant = defaultTenant
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.idleConnectionSeconds = idleConnectionSeconds
        self.factsRouting = factsRouting
    }

    /// The facts API base URL in effect (``apiURL``, else ``pdpURL``), without a trailing `/`.
    public var effectiveAPIURL: String { Self.trimmed(apiURL ?? pdpURL) }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
