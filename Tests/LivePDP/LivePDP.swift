// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A real `pdp serve` process for tests: started on a free port (`--port 0`) with
/// `--in-memory` facts, ready once it printed `pdp listening on http://HOST:PORT`.
/// Stop it with ``stop()`` (SIGTERM, then waits for the exit).
///
/// The binary is `$PDP_BIN`, else the `pdp` built beside the test bundle, else
/// `<package>/.build/debug/pdp`; build it first (`swift build --product pdp`; `swift test`
/// builds it too).
public final class LivePDP: @unchecked Sendable {
    /// A `pdp serve` that could not be started, with what it printed on stderr.
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `http://127.0.0.1:PORT`.
    public let url: String
    public let apiKey: String
    public let port: Int
    private let process: Process
    private let stderrPath: String

    /// The package's root directory (for `policies/`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bundled task policy, `policies/tasks.yaml`.
    public static var tasksPolicy: String { packageRoot.appendingPathComponent("policies/tasks.yaml").path }

    /// Starts a server and waits (at most `timeout` seconds) until it listens.
    ///
    /// - Throws: ``StartFailure`` when the binary is missing, exits, or does not print its
    ///   listening line in time.
    public static func start(
        policy: String = LivePDP.tasksPolicy, apiKey: String = "test-key-\(UUID().uuidString.prefix(8))",
        port: Int = 0, extraArguments: [String] = [], timeout: TimeInterval = 30
    ) async throws -> LivePDP {
        let binary = try binaryPath()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["serve", "--policy", policy, "--host", "127.0.0.1", "--port", String(port), "--api-key", apiKey,
             "--no-watch", "--log-level", "warning"]
            + (extraArguments.contains("--data-dir") ? [] : ["--in-memory"]) + extraArguments
        let stdout = Pipe()
        process.standardOutput = stdout
        let stderrPath = NSTemporaryDirectory() + "livepdp-\(UUID().uuidString).err"
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        do {
            try process.run()
        } catch {
            throw StartFailure(description: "cannot run \(binary): \(error)")
        }
        let line = await firstListeningLine(stdout.fileHandleForReading, timeout: timeout)
        guard let line, let address = line.split(separator: " ").last, let colon = address.lastIndex(of: ":"),
            let boundPort = Int(address[address.index(after: colon)...])
        else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw StartFailure(description: "pdp serve did not start (exit \(process.terminationStatus)): \(errors)")
        }
        return LivePDP(url: String(address), apiKey: apiKey, port: boundPort, process: process, stderrPath: stderrPath)
    }

    private init(url: String, apiKey: String, port: Int, process: Process, stderrPath: String) {
        self.url = url
        self.apiKey = apiKey
        self.port = port
        self.process = process
        self.stderrPath = stderrPath
    }

    /// True while the process runs.
    public var isRunning: Bool { process.isRunning }

    /// SIGTERM, then waits for the exit (off the cooperative pool).
    public func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                self.process.waitUntilExit()
                continuation.resume()
            }
        }
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    static func binaryPath() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let configured = environment["PDP_BIN"], !configured.isEmpty { candidates.append(configured) }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(bundleDirectory.appendingPathComponent("pdp").path)
        candidates.append(bundleDirectory.deletingLastPathComponent().appendingPathComponent("pdp").path)
        candidates.append(packageRoot.appendingPathComponent(".build/debug/pdp").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        throw StartFailure(description: "no pdp binary (tried \(candidates)); run `swift build --product pdp` first")
    }

    /// Reads stdout on a thread of its own until the listening line (or EOF / timeout), then
    /// keeps draining it so the server never blocks on a full pipe.
    private static func firstListeningLine(_ handle: FileHandle, timeout: TimeInterval) async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let once = ResumeOnce(continuation)
            Thread.detachNewThread {
                var pending = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty {
                        once.resume(nil)
                        return
                    }
                    pending.append(chunk)
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                        pending.removeSubrange(pending.startIndex...newline)
                        if line.hasPrefix("pdp listening on http://") { once.resume(line) }
                    }
                }
            }
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: timeout)
                once.resume(nil)
            }
        }
    }
}

/// Resumes a continuation once, from whichever thread gets there first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<String?, Never>?

    init(_ continuation: CheckedContinuation<String?, Never>) { self.continuation = continuation }

    func resume(_ value: String?) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: value)
    }
}
