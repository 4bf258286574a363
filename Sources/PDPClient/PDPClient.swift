// SPDX-License-Identifier: Apache-2.0
import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A client for any Permit-compatible PDP (`pdp serve`, Permit's PDP container) and the
/// Permit facts API: checks, bulk checks, user permissions, and the user and role calls an
/// application needs. Permit ships no Swift SDK; this one speaks the same wire format as its
/// Python, Node and Go SDKs.
///
/// One client keeps a pool of keep-alive connections; create it once, share it (it is
/// `Sendable`), and call ``shutdown()`` before the process exits.
///
/// ```swift
/// let pdp = PDPClient(configuration: .init(pdpURL: "http://127.0.0.1:7766", apiKey: key))
/// if try await pdp.check(PDPCheck("alice", "read", "task:42")) { ... }
/// ```
///
/// Every call throws only ``PDPClientError``: a deny is `false` (or ``PDPClientError/denied(_:)``
/// from ``authorize(_:)``), while a PDP that cannot decide is ``PDPClientError/isUnavailable``.
public final class PDPClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: PDPClientConfiguration
    let http: HTTPClient
    let logger: Logger
    let statistics = NIOLockedValueBox(PDPClientStatistics())
    let factsPrefix = NIOLockedValueBox<String?>(nil)
    let pdpBase: String

    /// Creates a client and its connection pool (no connection is opened yet).
    public init(configuration: PDPClientConfiguration, logger: Logger = Logger(label: "pdp.client")) {
        self.configuration = configuration
        self.logger = logger
        self.pdpBase = PDPClientConfiguration.trimmed(configuration.pdpURL)
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(configuration.connectTimeoutMilliseconds),
                read: .milliseconds(configuration.requestTimeoutMilliseconds)),
            connectionPool: .init(
                idleTimeout: .seconds(configuration.idleConnectionSeconds),
                concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost),
            decompression: .disabled)
        http.httpVersion = .http1Only
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
        if configuration.factsRouting == .pdpProxy {
            factsPrefix.withLockedValue { $0 = configuration.effectiveAPIURL + "/facts" }
        }
    }

    /// Closes the pooled connections. Call once, before the client is dropped; calls made
    /// afterwards fail with ``PDPClientError/unreachable(_:)``.
    public func shutdown() async {
        do {
            try await http.shutdown()
        } catch {
            logger.debug("PDP client shutdown", metadata: ["error": "\(error)"])
        }
    }

    /// Counters of the requests this client has sent (for metrics and tests).
    public var requestStatistics: PDPClientStatistics { statistics.withLockedValue { $0 } }

    // MARK: - Decisions

    /// Asks `POST /allowed` whether the check is allowed.
    ///
    /// - Returns: the PDP's `allow`; a deny is `false`, not an error.
    /// - Throws: ``PDPClientError`` when the PDP cannot decide: unreachable, timed out,
    ///   a non-200 or malformed answer, a refused API key.
    public func check(_ check: PDPCheck) async throws(PDPClientError) -> Bool {
        let body = WireBodies.Check(check, defaultTenant: configuration.defaultTenant)
        let answer: WireBodies.Decision = try await post(pdpBase + "/allowed", body, decision: true)
        return answer.allow
    }

    /// `check(PDPCheck(user: user, action: action, resource: resource))`.
    public func check(_ user: PDPUser, _ action: String, _ resource: PDPResource) async throws(PDPClientError) -> Bool {
        try await check(PDPCheck(user: user, action: action, resource: resource))
    }

    /// Like ``check(_:)``, but a deny throws ``PDPClientError/denied(_:)``.
    public func authorize(_ check: PDPCheck) async throws(PDPClientError) {
        guard try await self.check(check) else { throw .denied(check) }
    }

    /// Asks `POST /allowed/bulk` for many checks in one request.
    ///
    /// - Returns: one decision per check, in order. An empty list sends nothing.
    /// - Throws: ``PDPClientError/badAnswer(status:detail:)`` when the PDP returns a
    ///   different number of decisions (a partial answer is never trusted); the other
    ///   failures as for ``check(_:)``.
    public func bulkCheck(_ checks: [PDPCheck]) async throws(PDPClientError) -> [Bool] {
        if checks.isEmpty { return [] }
        let body = checks.map { WireBodies.Check($0, defaultTenant: configuration.defaultTenant) }
        let answer: WireBodies.BulkDecision = try await post(pdpBase + "/allowed/bulk", body, decision: true)
        guard let decisions = answer.decisions else {
            throw .badAnswer(status: 200, detail: "no `allow` list in the bulk answer")
        }
        guard decisions.count == checks.count else {
            throw .badAnswer(status: 200, detail: "\(decisions.count) decisions for \(checks.count) checks")
        }
        return decisions.map(\.allow)
    }

    /// Asks `POST /user-permissions` what `user` may do, optionally narrowed to tenants and
    /// resource types.
    ///
    /// - Throws: ``PDPClientError`` as for ``check(_:)``.
    public func userPermissions(
        _ user: PDPUser, tenants: [String]? = nil, resourceTypes: [String]? = nil
    ) async throws(PDPClientError) -> PDPUserPermissions {
        let body = WireBodies.UserPermissionsQuery(user: user, tenants: tenants, resource_types: resourceTypes)
        return try await post(pdpBase + "/user-permissions", body, decision: true)
    }

    func post<Body: Encodable, Answer: Decodable>(
        _ url: String, _ body: Body, decision: Bool
    ) async throws(PDPClientError) -> Answer {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw .badAnswer(status: 0, detail: "request not encodable: \(error)")
        }
        let (status, answer) = try await send(.POST, url, body: data)
        guard status == 200 else { throw Self.failure(status: status, body: answer, decision: decision) }
        return try Self.decode(Answer.self, from: answer, status: status)
    }
}
