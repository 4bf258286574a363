// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import PDPCore
import PDPPolicyYAML
import PDPServer
import Synchronization
import Testing

/// `PolicyReloadService.run()` with file watching: reloads follow file-system events, not a
/// poll. Every test sets both poll intervals to an hour, so a reload can only come from an
/// event; how late it came is read from the service's own "policy reloaded" log entry.
@Suite struct PolicyFileWatchTests {
    /// Log entries as they happen, with the time they were logged.
    final class LogEvents: LogHandler, @unchecked Sendable {
        // Unchecked: the continuation is Sendable; the LogHandler properties are set once
        // before the logger is used.
        let stream: AsyncStream<(message: String, at: ContinuousClock.Instant)>
        private let continuation: AsyncStream<(message: String, at: ContinuousClock.Instant)>.Continuation
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        init() { (stream, continuation) = AsyncStream.makeStream() }
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { continuation.yield((event.message.description, .now)) }
    }

    static let reader = PolicyReloadTests.withEditor
    static let writer = PolicyReloadTests.withoutEditor

    func compile(_ paths: [String]) -> Result<PolicySnapshot, Diagnostics> {
        let (document, diagnostics) = PolicyLoader.load(paths: paths)
        if diagnostics.hasErrors { return .failure(diagnostics) }
        do { return .success(try PolicyCompiler.compile(document)) } catch { return .failure(error) }
    }

    /// The next log entry with `message`, or `nil` after `seconds` (a failure bound only: the
    /// awaited entry normally comes within milliseconds).
    func next(
        _ message: String, from log: LogEvents, in iterator: inout AsyncStream<(message: String, at: ContinuousClock.Instant)>.Iterator,
        seconds: Int = 20
    ) async -> ContinuousClock.Instant? {
        let expired = "deadline \(UUID())"
        let alarm = Task {
            try await Task.sleep(for: .seconds(seconds))
            log.log(event: LogEvent(level: .critical, message: "\(expired)", metadata: nil, source: "test", file: #file, function: #function, line: #line))
        }
        defer { alarm.cancel() }
        while let entry = await iterator.next() {
            if entry.message == message { return entry.at }
            if entry.message == expired { return nil }
        }
        return nil
    }

    func docCheck(_ client: RawHTTPClient, _ user: String, _ action: String) throws -> Bool {
        let response = try client.roundTrip(.post("/allowed", #"{"user":{"key":"\#(user)"},"action":"\#(action)","resource":{"type":"doc"}}"#))
        return try response.jsonObject()["allow"] as? Bool ?? false
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pdp-watch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Serves the policy at `paths`, runs a reloader watching them (both polls an hour apart,
    /// so only an event can reload), gives eve the reader role, and calls `body` with a client
    /// and a function that awaits the next "policy reloaded" entry (`nil`: none within 20 s).
    func withWatchingReloader(
        _ paths: [String], _ body: (RawHTTPClient, () async -> ContinuousClock.Instant?) async throws -> Void
    ) async throws {
        let loaded = PolicyFilesFingerprint(paths: paths)
        try await withTestServer(snapshot: try compile(paths).get()) { server in
            let log = LogEvents()
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(
                    paths: paths, pollInterval: .seconds(3600), fallbackPollInterval: .seconds(3600), loadedFiles: loaded),
                compile: { compile(paths) }, server: server.server, logger: Logger(label: "watch-test", factory: { _ in log }))
            var entries = log.stream.makeAsyncIterator()
            let running = Task { try await reloader.run() }
            defer { running.cancel() }
            #expect(await next("watching the policy files", from: log, in: &entries) != nil)
            let client = try server.connect()
            _ = try client.roundTrip(.make("PUT", "/facts/users/eve", body: #"{"key":"eve","role_assignments":[{"role":"reader","tenant":"default"}]}"#))
            #expect(try !docCheck(client, "eve", "write"))
            try await body(client) { await next("policy reloaded", from: log, in: &entries) }
        }
    }

    @Test("a saved file reloads within milliseconds of the save, by rename and in place, again and again")
    func editsReloadOnEvents() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/policy.yaml"
        try Self.reader.write(toFile: path, atomically: true, encoding: .utf8)
        try await withWatchingReloader([path]) { client, nextReload in
            var latencies: [Duration] = []
            for round in 0..<4 {
                let text = round.isMultiple(of: 2) ? Self.writer : Self.reader
                let saved = ContinuousClock.now
                // Editors save both ways: a new file renamed over the old one (a new inode:
                // the watch must be put on it again), and a rewrite in place.
                try text.write(toFile: path, atomically: round < 2, encoding: .utf8)
                let reloaded = try #require(await nextReload(), "no reload after save \(round)")
                latencies.append(reloaded - saved)
                #expect(try docCheck(client, "eve", "write") == round.isMultiple(of: 2))
            }
            // Generous for a loaded 2-core machine; the poll it replaces waited up to a second,
            // and here polling is an hour apart.
            #expect(latencies.allSatisfy { $0 < .seconds(2) }, "\(latencies)")
            print("policy reload after a save: \(latencies)")
        }
    }

    @Test("a Kubernetes ConfigMap update (the ..data symlink swapped) reloads on the event")
    func configMapSwapReloads() async throws {
        let volume = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: volume) }
        let files = FileManager.default
        func publish(_ version: Int, _ text: String) throws {
            let payload = "..2026_12_07_\(version)"
            try files.createDirectory(atPath: volume + "/" + payload, withIntermediateDirectories: false)
            try text.write(toFile: volume + "/" + payload + "/policy.yaml", atomically: false, encoding: .utf8)
            try files.createSymbolicLink(atPath: volume + "/..data_tmp", withDestinationPath: payload)
            guard rename(volume + "/..data_tmp", volume + "/..data") == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        try publish(1, Self.reader)
        try files.createSymbolicLink(atPath: volume + "/policy.yaml", withDestinationPath: "..data/policy.yaml")
        try await withWatchingReloader([volume]) { client, nextReload in
            for version in 2...3 {
                try publish(version, version == 2 ? Self.writer : Self.reader)
                // A swap is four file-system steps; on a slow machine (TSan) they can span more
                // than the settle delay, and a reload between them serves the old payload again.
                // Only events reload here (both polls are an hour apart): wait for the one that
                // serves the new payload.
                var served = false
                for _ in 0..<5 {
                    guard await nextReload() != nil else { break }
                    if try docCheck(client, "eve", "write") == (version == 2) {
                        served = true
                        break
                    }
                }
                #expect(served, "swap \(version) not served after the reloads its events caused")
            }
        }
    }
}
