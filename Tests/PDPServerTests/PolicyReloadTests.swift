// SPDX-License-Identifier: Apache-2.0
import Foundation
import InMemoryLogging
import Logging
import PDPCore
import PDPPolicyYAML
import PDPServer
import Synchronization
import Testing

/// Reloads through ``PolicyReloadService/reload(reason:)``, as SIGHUP and file watching do.
@Suite struct PolicyReloadTests {
    static let withEditor = """
        version: 1
        resources:
          doc:
            actions: [read, write]
        roles:
          reader:
            permissions: [doc:read]
          editor:
            permissions: [doc:write]
        """

    static let withoutEditor = """
        version: 1
        resources:
          doc:
            actions: [read, write]
        roles:
          reader:
            permissions: [doc:read, doc:write]
        """

    /// A policy file in a fresh directory, rewritten by the test.
    final class PolicyFile: Sendable {
        let path: String
        init(_ text: String) throws {
            path = NSTemporaryDirectory() + "pdp-reload-\(UUID().uuidString).yaml"
            try write(text)
        }
        func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        func compile() -> Result<PolicySnapshot, Diagnostics> {
            let (document, diagnostics) = PolicyLoader.load(paths: [path])
            if diagnostics.hasErrors { return .failure(diagnostics) }
            do { return .success(try PolicyCompiler.compile(document)) } catch { return .failure(error) }
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func docCheck(_ client: RawHTTPClient, _ user: String, _ action: String) throws -> Bool {
        let response = try client.roundTrip(.post("/allowed", #"{"user":{"key":"\#(user)"},"action":"\#(action)","resource":{"type":"doc"}}"#))
        #expect(response.status == 200)
        return try response.jsonObject()["allow"] as? Bool ?? false
    }

    func ready(_ client: RawHTTPClient) throws -> [String: Any] {
        try client.roundTrip(.get("/ready")).jsonObject()
    }

    @Test("a valid change takes effect; assignments to a removed role are reported, kept, and restored when it returns")
    func validReloadAndDanglingRoles() async throws {
        let file = try PolicyFile(Self.withEditor)
        let initial = try file.compile().get()
        try await withTestServer(snapshot: initial) { server in
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path]), compile: { file.compile() }, server: server.server)
            let client = try server.connect()
            _ = try client.roundTrip(.make("PUT", "/facts/users/eve", body: #"{"key":"eve"}"#))
            #expect(try client.roundTrip(.post("/facts/users/eve/roles", #"{"role":"editor","tenant":"default"}"#)).status == 201)
            #expect(try docCheck(client, "eve", "write"))

            try file.write(Self.withoutEditor)
            #expect(await reloader.reload(reason: "test"))
            #expect(try !docCheck(client, "eve", "write"), "the role is gone, so is the grant")
            let facts = try #require(try ready(client)["facts"] as? [String: Any])
            #expect(facts["dangling_role_assignments"] as? Int == 1)
            let listed = try #require(try client.roundTrip(.get("/facts/role_assignments?user=eve")).jsonArray() as? [[String: Any]])
            #expect(listed.map { $0["role"] as? String } == ["editor"], "kept in storage, still listed")

            try file.write(Self.withEditor)
            #expect(await reloader.reload(reason: "test"))
            #expect(try docCheck(client, "eve", "write"), "the role came back, and so did the assignment")
            let policy = try #require(try ready(client)["policy"] as? [String: Any])
            #expect(policy["reloads"] as? Int == 2)
            #expect((try ready(client)["facts"] as? [String: Any])?["dangling_role_assignments"] as? Int == 0)
        }
    }

    @Test("an invalid change keeps the old policy answering and reports file:line:column diagnostics")
    func invalidReload() async throws {
        let file = try PolicyFile(Self.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path]), compile: { file.compile() }, server: server.server)
            let client = try server.connect()
            _ = try client.roundTrip(.make("PUT", "/facts/users/eve", body: #"{"key":"eve","role_assignments":[{"role":"reader","tenant":"default"}]}"#))
            try file.write(Self.withEditor.replacingOccurrences(of: "permissions: [doc:read]", with: "permissions: [doc:fly]"))
            #expect(await reloader.reload(reason: "test") == false)
            #expect(try docCheck(client, "eve", "read"), "the last good policy keeps answering")
            let body = try ready(client)
            #expect(body["status"] as? String == "ok")
            let policy = try #require(body["policy"] as? [String: Any])
            #expect(policy["reload_failures"] as? Int == 1)
            let error = try #require(policy["last_reload_error"] as? String)
            #expect(error.contains("\(file.path):7:"), "\(error)")
            #expect(error.contains("unknown-action"))
        }
    }

    @Test("reloads under load drop no request")
    func reloadUnderLoad() async throws {
        let file = try PolicyFile(Self.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path]), compile: { file.compile() }, server: server.server)
            let port = server.port
            let checks = Task.detached {
                let client = try RawHTTPClient(port: port)
                var statuses: [Int] = []
                for _ in 0..<400 {
                    statuses.append(try client.roundTrip(.post("/allowed", #"{"user":{"key":"x"},"action":"read","resource":{"type":"doc"}}"#)).status)
                }
                return statuses
            }
            for index in 0..<10 {
                try file.write(index.isMultiple(of: 2) ? Self.withoutEditor : Self.withEditor)
                #expect(await reloader.reload(reason: "test"))
            }
            let statuses = try await checks.value
            #expect(statuses.count == 400 && statuses.allSatisfy { $0 == 200 })
        }
    }

    @Test("when an older compile finishes after a newer one, the newer files still win")
    func newestReloadWins() async throws {
        let file = try PolicyFile(Self.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            // The first compile reads the files, then stalls until released: a slow compile
            // of what were the files when SIGHUP came, overtaken by the watcher's reload.
            let (compiled, signal) = AsyncStream.makeStream(of: Void.self)
            let release = DispatchSemaphore(value: 0)
            let calls = Mutex(0)
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path]),
                compile: {
                    let result = file.compile()
                    if calls.withLock({ calls in calls += 1; return calls }) == 1 {
                        signal.yield()
                        release.wait()
                    }
                    return result
                }, server: server.server)
            let client = try server.connect()
            _ = try client.roundTrip(.make("PUT", "/facts/users/eve", body: #"{"key":"eve","role_assignments":[{"role":"reader","tenant":"default"}]}"#))
            #expect(try !docCheck(client, "eve", "write"))

            let slow = Task { await reloader.reload(reason: "SIGHUP") }
            for await _ in compiled { break }
            try file.write(Self.withoutEditor)  // readers may write now
            #expect(await reloader.reload(reason: "policy files changed"))
            #expect(try docCheck(client, "eve", "write"))
            release.signal()
            #expect(await slow.value == false, "the older compile is dropped")
            #expect(try docCheck(client, "eve", "write"), "the files on disk serve, not the late compile of older ones")
            let policy = try #require(try ready(client)["policy"] as? [String: Any])
            #expect(policy["reloads"] as? Int == 1)
        }
    }

    @Test("a failed reload is logged once, with the first errors and how many there were")
    func failedReloadIsLoggedOnceAndCapped() async throws {
        let file = try PolicyFile(Self.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            let log = InMemoryLogHandler()
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path]), compile: { file.compile() }, server: server.server,
                logger: Logger(label: "reload-test", factory: { _ in log }))
            let permissions = (0..<40).map { "doc:fly\($0)" }.joined(separator: ", ")
            try file.write(Self.withEditor.replacingOccurrences(of: "permissions: [doc:read]", with: "permissions: [\(permissions)]"))
            #expect(await reloader.reload(reason: "test") == false)

            let errors = log.entries.filter { $0.level >= .warning }
            #expect(errors.count == 1, "\(errors.map(\.message))")
            let entry = try #require(errors.first)
            #expect(entry.metadata["pdp.errors"] == "40")
            let listed = "\(entry.metadata["pdp.diagnostics"] ?? "")"
            #expect(listed.components(separatedBy: "unknown-action").count - 1 == PolicyReloadService.listedDiagnostics, "\(listed)")
            #expect(listed.hasSuffix("and 35 more (`pdp validate` lists them)"), "\(listed)")

            let client = try server.connect()
            let policy = try #require(try ready(client)["policy"] as? [String: Any])
            let lastError = try #require(policy["last_reload_error"] as? String)
            #expect(lastError.split(separator: "\n").count == PolicyReloadService.listedDiagnostics + 1, "\(lastError)")
        }
    }
}
