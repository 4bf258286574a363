// SPDX-License-Identifier: Apache-2.0
import Logging
import PDPCore
import ServiceLifecycle
import UnixSignals

/// How `pdp serve` notices policy changes.
///
/// Defaults: watch on, polling every second.
public struct PolicyReloadConfiguration: Sendable {
    /// The policy files and directories, as given to `--policy`.
    public var paths: [String]
    /// Poll the files' names, sizes and modification times and reload when they change.
    public var watch: Bool
    public var pollInterval: Duration
    /// The files as they were when the serving policy was read. Take it *before* loading the
    /// policy: an edit made between loading and the watcher's start is then still noticed.
    /// `nil` takes it when the watcher starts.
    public var loadedFiles: PolicyFilesFingerprint?

    public init(
        paths: [String], watch: Bool = true, pollInterval: Duration = .seconds(1), loadedFiles: PolicyFilesFingerprint? = nil
    ) {
        self.paths = paths
        self.watch = watch
        self.pollInterval = pollInterval
        self.loadedFiles = loadedFiles
    }
}

/// Reloads the policy on SIGHUP and (when watching) when its files change: compiles on the
/// side, and only if that succeeds swaps it in through the ``FactsWriter`` (which re-applies
/// the API facts to it, in line with writes). Requests in flight finish on the snapshot they
/// loaded. On failure the last good policy keeps serving; every diagnostic is logged and
/// put in `/ready`'s `last_reload_error`, and `reload_failures` counts it.
public final class PolicyReloadService: Service, Sendable {
    /// Loads and compiles the policy; the failure holds every diagnostic.
    public typealias Compile = @Sendable () -> Result<PolicySnapshot, Diagnostics>

    let configuration: PolicyReloadConfiguration
    let compile: Compile
    let state: ServerState

    public init(configuration: PolicyReloadConfiguration, compile: @escaping Compile, server: PDPServer) {
        self.configuration = configuration
        self.compile = compile
        self.state = server.state
    }

    /// Compiles and, when valid, swaps in the policy. Returns whether it was swapped in.
    @discardableResult
    public func reload(reason: String) async -> Bool {
        let logger = state.logger
        switch compile() {
        case .success(let base):
            let dangling = await state.facts.reload(base: base)
            var readiness = state.readiness
            readiness.reloads += 1
            readiness.lastReloadError = nil
            state.readiness = readiness
            logger.info(
                "policy reloaded",
                metadata: ["pdp.reason": "\(reason)", "policy.revision": "\(state.store.revision)", "facts.dangling": "\(dangling.count)"])
            return true
        case .failure(let diagnostics):
            for diagnostic in diagnostics.items { logger.error("\(diagnostic)") }
            var readiness = state.readiness
            readiness.reloadFailures += 1
            readiness.lastReloadError = diagnostics.items.map(\.description).joined(separator: "\n")
            state.readiness = readiness
            logger.error(
                "policy reload failed; the last good policy keeps serving",
                metadata: ["pdp.reason": "\(reason)", "pdp.errors": "\(diagnostics.errors.count)"])
            return false
        }
    }

    public func run() async throws {
        let configuration = self.configuration
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        await self.reload(reason: "SIGHUP")
                    }
                }
                if configuration.watch {
                    group.addTask {
                        var last = configuration.loadedFiles ?? PolicyFilesFingerprint(paths: configuration.paths)
                        while !Task.isCancelled {
                            do { try await Task.sleep(for: configuration.pollInterval) } catch { return }
                            let now = PolicyFilesFingerprint(paths: configuration.paths)
                            if now != last {
                                last = now
                                await self.reload(reason: "policy files changed")
                            }
                        }
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
