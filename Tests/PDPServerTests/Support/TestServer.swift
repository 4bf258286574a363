// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOPosix
import PDPCore
import PDPPolicyYAML
import PDPServer
import Testing

/// The policy every server test runs against: `policies/tasks.yaml` plus these facts.
enum Fixtures {
    static let factsYAML = """
        version: 1
        tenants:
          acme:
            name: Acme Inc.
            attributes: {plan: pro}
        users:
          alice:
            roles: [admin]
          bob:
            roles:
              default: [viewer]
              acme: [admin]
          dave:
            roles: []
        """

    /// `<repo>/policies/tasks.yaml`, found from this file's path.
    static var tasksPolicyPath: String {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        // …/Tests/PDPServerTests/Support/TestServer.swift → …
        components.removeLast(4)
        return (components + ["policies", "tasks.yaml"]).joined(separator: "/")
    }

    struct PolicyError: Error, CustomStringConvertible {
        var description: String
    }

    /// tasks.yaml merged with ``factsYAML``, compiled; any diagnostic error fails the test.
    static func snapshot() throws -> PolicySnapshot {
        var (document, diagnostics) = PolicyLoader.load(paths: [tasksPolicyPath])
        let facts = PolicyLoader.load(yaml: factsYAML, file: "facts.yaml")
        document.merge(facts.document)
        diagnostics.append(contentsOf: facts.diagnostics)
        guard !diagnostics.hasErrors else {
            throw PolicyError(description: diagnostics.items.map { "\($0)" }.joined(separator: "\n"))
        }
        return try PolicyCompiler.compile(document)
    }
}

/// A running ``PDPServer`` on 127.0.0.1 and an ephemeral port, with its own event loops.
struct TestServer {
    let server: PDPServer
    let port: Int

    /// Connects a new raw client.
    func connect(receiveTimeoutSeconds: Int = 10) throws -> RawHTTPClient {
        try RawHTTPClient(port: port, receiveTimeoutSeconds: receiveTimeoutSeconds)
    }

    /// One request on a fresh connection.
    func request(_ request: HTTPRequest) throws -> HTTPResponse {
        let client = try connect()
        defer { client.close() }
        return try client.roundTrip(request)
    }
}

/// Starts a server, runs `body`, then stops the server and shuts its event loops down, also
/// when `body` throws.
/// - Parameters:
///   - configure: changes to the configuration beyond the key and limits.
///   - facts: a writer over its own store (built on `snapshot`'s store); `nil` for one in memory.
///   - logs: the decision and access logs.
func withTestServer<Result>(
    apiKey: String? = HTTPRequest.apiKey,
    limits: RequestLimits = RequestLimits(),
    snapshot: PolicySnapshot? = nil,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    store: SnapshotStore? = nil,
    facts: FactsWriter? = nil,
    logs: RequestLogs? = nil,
    _ body: (TestServer) async throws -> Result
) async throws -> Result {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    var logger = Logger(label: "pdp-server-tests")
    logger.logLevel = .critical
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, apiKey: apiKey, limits: limits)
    configure(&configuration)
    let server = PDPServer(
        configuration: configuration, store: try store ?? SnapshotStore(try snapshot ?? Fixtures.snapshot()), group: group, logger: logger,
        facts: facts, logs: logs)
    let result: Result
    do {
        try await server.start()
        let port = try #require(server.localPort)
        result = try await body(TestServer(server: server, port: port))
    } catch {
        try? await server.stop()
        try? await group.shutdownGracefully()
        throw error
    }
    try await server.stop()
    try await group.shutdownGracefully()
    return result
}
