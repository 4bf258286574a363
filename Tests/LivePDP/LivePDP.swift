// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real `pdp serve` process for tests: started on a free port (`--port 0`) with
/// `--in-memory` facts, ready once it printed `pdp listening on http://HOST:PORT`.
/// Stop it with ``stop()`` (SIGTERM, then waits for the exit). Started with `posix_spawn` and
/// reaped with `waitpid` (``ChildProcess``), not Foundation's `Process`: with many tests
/// starting servers in parallel, `Process.run` failed now and then with EBADF and
/// `waitUntilExit` spun forever on an exit it had missed.
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
    private let child: ChildProcess
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
        let arguments =
            ["serve", "--policy", policy, "--host", "127.0.0.1", "--port", String(port), "--api-key", apiKey,
             "--no-watch", "--log-level", "warning"]
            + (extraArguments.contains("--data-dir") ? [] : ["--in-memory"]) + extraArguments
        let stderrPath = NSTemporaryDirectory() + "livepdp-\(UUID().uuidString).err"
        let child = try ChildProcess.spawn(binary, arguments: arguments, stderrPath: stderrPath)
        let line = await firstListeningLine(child.stdout, timeout: timeout)
        guard let line, let address = line.split(separator: " ").last, let colon = address.lastIndex(of: ":"),
            let boundPort = Int(address[address.index(after: colon)...])
        else {
            await child.terminateAndWait()
            let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw StartFailure(description: "pdp serve did not start (exit \(child.exitStatus ?? -1)): \(errors)")
        }
        return LivePDP(url: String(address), apiKey: apiKey, port: boundPort, child: child, stderrPath: stderrPath)
    }

    private init(url: String, apiKey: String, port: Int, child: ChildProcess, stderrPath: String) {
        self.url = url
        self.apiKey = apiKey
        self.port = port
        self.child = child
        self.stderrPath = stderrPath
    }

    /// True while the process runs.
    public var isRunning: Bool { child.exitStatus == nil }

    /// SIGTERM, then waits for the exit (on a thread of its own, off the cooperative pool).
    public func stop() async {
        await child.terminateAndWait()
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    deinit {
        child.terminate()
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
    private static func firstListeningLine(_ descriptor: Int32, timeout: TimeInterval) async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let once = ResumeOnce(continuation)
            Thread.detachNewThread {
                var pending = Data()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 {
                        close(descriptor)
                        once.resume(nil)
                        return
                    }
                    pending.append(contentsOf: buffer[0..<count])
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
