// SPDX-License-Identifier: Apache-2.0
import Logging
import PDPCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// How `pdp serve` notices policy changes.
///
/// Defaults: watch on. File-system events (inotify through a `DispatchSource`) trigger a check
/// within ``settleDelay``; a poll every ``fallbackPollInterval`` catches what events miss
/// (network file systems); without inotify, polling every ``pollInterval``.
public struct PolicyReloadConfiguration: Sendable {
    /// The policy files and directories, as given to `--policy`.
    public var paths: [String]
    /// Reload when the files' names, sizes or modification times change.
    public var watch: Bool
    /// How often the files are polled when file-system events are not available.
    public var pollInterval: Duration
    /// How often the files are polled besides file-system events, in case one was missed.
    public var fallbackPollInterval: Duration
    /// How long the watcher waits after an event before it looks: a save is often several
    /// events (truncate, write, close; or create and rename), and a reload in between would
    /// read a half-written file.
    public var settleDelay: Duration
    /// The files as they were when the serving policy was read. Take it *before* loading the
    /// policy: an edit made between loading and the watcher's start is then still noticed.
    /// `nil` takes it when the watcher starts.
    public var loadedFiles: PolicyFilesFingerprint?

    public init(
        paths: [String], watch: Bool = true, pollInterval: Duration = .seconds(1), fallbackPollInterval: Duration = .seconds(30),
        settleDelay: Duration = .milliseconds(10), loadedFiles: PolicyFilesFingerprint? = nil
    ) {
        self.paths = paths
        self.watch = watch
        self.pollInterval = pollInterval
        self.fallbackPollInterval = fallbackPollInterval
        self.settleDelay = settleDelay
        self.loadedFiles = loadedFiles
    }
}

/// Reloads the policy on SIGHUP and (when watching) when its files change: compiles on the
/// side, and only if that succeeds swaps it in through the ``FactsWriter`` (which re-applies
/// the API facts to it, in line with writes). Requests in flight finish on the snapshot they
/// loaded. On failure the last good policy keeps serving; the failure is logged once, with
/// the first ``listedDiagnostics`` errors and how many there were, put the same way in
/// `/ready`'s `last_reload_error`, and counted in `reload_failures`.
///
/// Reloads that overlap (a SIGHUP while the watcher's reload compiles) compile in parallel,
/// and the one started last wins, whichever finishes first: the files as they are now are
/// what serves, never an older compile that finished late.
public final class PolicyReloadService: Service, Sendable {
    /// Loads and compiles the policy; the failure holds every diagnostic.
    public typealias Compile = @Sendable () -> Result<PolicySnapshot, Diagnostics>

    /// How many errors of a failed reload are logged and kept for `/ready`.
    public static let listedDiagnostics = 5

    let configuration: PolicyReloadConfiguration
    let compile: Compile
    let state: ServerState
    let logger: Logger
    private let sequencer = ReloadSequencer()
    private let hangups = Mutex<UnixSignalsSequence?>(nil)

    /// - Parameter logger: where reloads are reported; the server's logger by default.
    public init(configuration: PolicyReloadConfiguration, compile: @escaping Compile, server: PDPServer, logger: Logger? = nil) {
        self.configuration = configuration
        self.compile = compile
        self.state = server.state
        self.logger = logger ?? server.state.logger
    }

    /// Starts trapping SIGHUP now rather than when ``run()`` starts: a SIGHUP that arrives in
    /// between is then queued for `run()` instead of ending the process (SIGHUP's default
    /// action). Call it before announcing that the server is ready.
    public func trapHangups() async {
        let sequence = await UnixSignalsSequence(trapping: .sighup)
        hangups.withLock { $0 = sequence }
    }

    /// Compiles and, when valid, swaps in the policy. Returns whether it was swapped in: false
    /// when it is invalid, and when a reload started after this one was applied first (this
    /// one then read older files, and is dropped).
    @discardableResult
    public func reload(reason: String) async -> Bool {
        let ticket = sequencer.ticket()
        let compiled = compile()
        let applied = await sequencer.applyInTurn(ticket) { () async -> Bool in
            switch compiled {
            case .success(let base):
                return await apply(base, reason: reason)
            case .failure(let diagnostics): return reportFailure(diagnostics, reason: reason)
            }
        }
        guard let applied else {
            logger.debug("policy reload superseded by a newer one", metadata: ["pdp.reason": "\(reason)"])
            return false
        }
        return applied
    }

    private func apply(_ base: PolicySnapshot, reason: String) async -> Bool {
        let dangling = await state.facts.reload(base: base)
        state.metrics.setPolicyDigest(state.facts.policyDigest)
        var readiness = state.readiness
        readiness.reloads += 1
        readiness.lastReloadError = nil
        state.readiness = readiness
        state.metrics.recordReload(success: true)
        logger.info(
            "policy reloaded",
            metadata: ["pdp.reason": "\(reason)", "policy.revision": "\(state.store.revision)", "facts.dangling": "\(dangling.count)"])
        return true
    }

    private func reportFailure(_ diagnostics: Diagnostics, reason: String) -> Bool {
        let summary = Self.summary(of: diagnostics.errors)
        var readiness = state.readiness
        readiness.reloadFailures += 1
        readiness.lastReloadError = summary.joined(separator: "\n")
        state.readiness = readiness
        state.metrics.recordReload(success: false)
        logger.error(
            "policy reload failed; the last good policy keeps serving",
            metadata: [
                "pdp.reason": "\(reason)", "pdp.errors": "\(diagnostics.errors.count)",
                "pdp.diagnostics": "\(summary.joined(separator: "; "))",
            ])
        return false
    }

    /// The first ``listedDiagnostics`` errors, then "and N more" when there are more: a
    /// policy with a million bad lines once logged 217 MB on every reload.
    static func summary(of errors: [Diagnostic]) -> [String] {
        var lines = errors.prefix(listedDiagnostics).map(\.description)
        if errors.count > listedDiagnostics {
            lines.append("and \(errors.count - listedDiagnostics) more (`pdp validate` lists them)")
        }
        return lines
    }

    public func run() async throws {
        let configuration = self.configuration
        if state.metrics.policyDigestValue == nil {
            state.metrics.setPolicyDigest(state.facts.policyDigest)
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    let trapped = self.hangups.withLock { $0 }
                    let signals: UnixSignalsSequence
                    if let trapped { signals = trapped } else { signals = await UnixSignalsSequence(trapping: .sighup) }
                    for await _ in signals {
                        await self.reload(reason: "SIGHUP")
                    }
                }
                if configuration.watch {
                    group.addTask { await self.watchFiles() }
                }
                await group.waitForAll()
            }
        }
    }

    /// Reloads when the files' fingerprint changes, checked on every hint of the
    /// ``PolicyFileWatcher``, until cancelled.
    private func watchFiles() async {
        let configuration = self.configuration
        var last = configuration.loadedFiles ?? PolicyFilesFingerprint(paths: configuration.paths)
        // Started before the first check below: an edit from now on is an event.
        let watcher = PolicyFileWatcher(
            paths: configuration.paths, fallback: configuration.fallbackPollInterval, withoutEvents: configuration.pollInterval)
        logger.debug(
            "watching the policy files",
            metadata: ["pdp.events": "\(watcher.usesEvents)", "pdp.paths": "\(configuration.paths.joined(separator: ", "))"])
        defer { watcher.stop() }
        for await _ in watcher.changes {
            if watcher.usesEvents {
                do { try await Task.sleep(for: configuration.settleDelay) } catch { return }
            }
            let now = PolicyFilesFingerprint(paths: configuration.paths)
            if now != last {
                last = now
                await reload(reason: "policy files changed")
            }
        }
    }
}
