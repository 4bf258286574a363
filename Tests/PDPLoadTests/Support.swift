// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOPosix
import PDPCore
import PDPLoad
import PDPPolicyYAML
import PDPServer
import Testing

/// Policies from the repository, found from this file's path.
enum LoadFixtures {
    static var repositoryRoot: String {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // …/Tests/PDPLoadTests/Support.swift
        return components.joined(separator: "/")
    }

    /// `policies/tasks.yaml` and the compat suite's users, as `pdp serve` is run in benchmarks.
    static var policyPaths: [String] {
        [repositoryRoot + "/policies/tasks.yaml", repositoryRoot + "/Tests/compat/policy/users.yaml"]
    }

    struct PolicyError: Error, CustomStringConvertible {
        var description: String
    }

    static func snapshot(paths: [String] = policyPaths) throws -> PolicySnapshot {
        let (document, diagnostics) = PolicyLoader.load(paths: paths)
        guard !diagnostics.hasErrors else {
            throw PolicyError(description: diagnostics.items.map { "\($0)" }.joined(separator: "\n"))
        }
        return try PolicyCompiler.compile(document)
    }

    /// A smaller generated workload than the default, to keep debug-build tests quick.
    static func workload(_ snapshot: PolicySnapshot) -> Workload {
        var options = WorkloadGenerator.Options()
        options.count = 2_000
        return WorkloadGenerator.generate(from: snapshot, options: options)
    }

    static func snapshot(yaml: String) throws -> PolicySnapshot {
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "inline.yaml")
        guard !diagnostics.hasErrors else {
            throw PolicyError(description: diagnostics.items.map { "\($0)" }.joined(separator: "\n"))
        }
        return try PolicyCompiler.compile(document)
    }
}

/// Runs `body` with a real ``PDPServer`` on 127.0.0.1 and an ephemeral port; stops it after.
func withServer<Result>(
    snapshot: PolicySnapshot, apiKey: String = "load-key", _ body: (PDPServer, Int) async throws -> Result
) async throws -> Result {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var logger = Logger(label: "pdp-load-tests")
    logger.logLevel = .critical
    let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, apiKey: apiKey, limits: RequestLimits())
    let server = PDPServer(configuration: configuration, store: SnapshotStore(snapshot), group: group, logger: logger)
    let result: Result
    do {
        try await server.start()
        let port = try #require(server.localPort)
        result = try await body(server, port)
    } catch {
        try? await server.stop()
        try? await group.shutdownGracefully()
        throw error
    }
    try await server.stop()
    try await group.shutdownGracefully()
    return result
}
