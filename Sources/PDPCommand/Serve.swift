// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import PDPCore
import PDPServer
import PDPStore
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve Permit-compatible PDP endpoints over HTTP.",
        discussion: """
            Point an application's Permit SDK at it (`pdp=` / PERMIT_PDP_URL). Binds \
            127.0.0.1:7766 by default. The API key comes from --api-key, PDP_API_KEY or \
            PERMIT_API_KEY; without one, the host must resolve to loopback addresses only. When \
            ready, prints `pdp listening on http://HOST:PORT` on standard output (an IPv6 host \
            in brackets). If another process holds the address, exits with status 8 and \
            `address HOST:PORT already in use`. SIGTERM or SIGINT shut down \
            gracefully. Add `?debug=true` to a decision request (or start with --debug) to get \
            the reason in a `debug` object. Facts written through the Permit API (users, \
            tenants, role assignments) are journaled under --data-dir (default $PDP_DATA_DIR, \
            else ~/.local/state/swift-pdp) \
            and fsynced before each answer; --in-memory keeps them in memory only; \
            --facts-store postgres://... shares them with other sidecars through PostgreSQL. The \
            policy is reloaded on SIGHUP and, unless --no-watch, when its files change. GET \
            /metrics serves Prometheus metrics (behind the API key unless \
            --metrics-unauthenticated); /healthy is the liveness probe, /ready the readiness \
            probe (503 with a reason while the facts storage refuses writes, past \
            --max-staleness behind a shared store, or with --strict-reload while the last reload \
            failed). On SIGTERM the listener closes, requests in flight finish and connections \
            close (within --shutdown-timeout), then the process exits 0.

            Every option can also be set by the environment variable named in its help (a flag \
            given wins over its variable): PDP_POLICY holds paths separated by `:`, switches \
            take true or false.
            """
    )

    @Option(name: .long, help: "Policy file or directory (repeatable; env PDP_POLICY, paths separated by `:`).")
    var policy: [String] = []

    @Option(help: "Address to bind (env PDP_HOST).")
    var host = "127.0.0.1"

    @Option(help: "Port to bind, 0 picks a free port (env PDP_PORT).")
    var port = 7766

    @Option(name: .customLong("api-key"), help: "Bearer token clients must send (default: $PDP_API_KEY, then $PERMIT_API_KEY).")
    var apiKey: String?

    @Option(help: "Event loop threads, 1 to 1024 (env PDP_THREADS; default: one fewer than the cores, at least 1, so a sidecar leaves a core to its app).")
    var threads: Int?

    @Flag(help: "Add a `debug` reason to every decision response (env PDP_DEBUG=true).")
    var debug = false

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (env PDP_MAX_BODY_BYTES).")
    var maxBodyBytes = RequestLimits().maxBodyBytes

    @Option(name: .customLong("max-bulk-checks"), help: "Most checks in one /allowed/bulk request (env PDP_MAX_BULK_CHECKS).")
    var maxBulkChecks = RequestLimits().maxBulkChecks

    @Option(name: .customLong("idle-timeout"), help: "Seconds before an idle connection is closed (env PDP_IDLE_TIMEOUT).")
    var idleTimeout = RequestLimits().idleTimeoutSeconds

    @Option(name: .customLong("header-timeout"), help: "Seconds a request head may take to arrive, then 408 and close (env PDP_HEADER_TIMEOUT).")
    var headerTimeout = RequestLimits().headerTimeoutSeconds

    @Option(name: .customLong("body-timeout"), help: "Seconds a request body may take before --min-body-rate applies (env PDP_BODY_TIMEOUT).")
    var bodyTimeout = RequestLimits().bodyTimeoutSeconds

    @Option(name: .customLong("min-body-rate"), help: "Slowest average bytes/s a request body may arrive at after --body-timeout (env PDP_MIN_BODY_RATE).")
    var minBodyRate = RequestLimits().minBodyBytesPerSecond

    @Option(
        name: .customLong("max-connections"),
        help:
            "Most concurrent connections. At the limit, the oldest connection without an authenticated request yet is closed for a new one (env PDP_MAX_CONNECTIONS).")
    var maxConnections = RequestLimits().maxConnections

    @Option(
        name: .customLong("max-unauthenticated-connections"),
        help: "Most connections without an authenticated request yet (env PDP_MAX_UNAUTHENTICATED_CONNECTIONS; default: a tenth of --max-connections).")
    var maxUnauthenticatedConnections: Int?

    @Option(
        name: .customLong("max-buffered-body-bytes"),
        help:
            "Most request body bytes buffered across all connections; past it, 503 (env PDP_MAX_BUFFERED_BODY_BYTES; default: 64 MiB or --max-body-bytes if larger).")
    var maxBufferedBodyBytes: Int?

    @Option(
        name: .customLong("data-dir"),
        help: "Directory for the durable facts journal and snapshot (default: $PDP_DATA_DIR, else $XDG_STATE_HOME/swift-pdp, else ~/.local/state/swift-pdp).")
    var dataDirectoryOption: String?

    private var dataDirectory: String { dataDirectoryOption ?? DataDirectory.standard() }

    @Option(name: .customLong("compact-after-bytes"), help: "Fold the journal into a new snapshot once it grows past this many bytes (env PDP_COMPACT_AFTER_BYTES).")
    var compactAfterBytes = FactsStoreConfiguration().compactionThresholdBytes

    @Flag(name: .customLong("in-memory"), help: "Keep API-written facts in memory only, lost on exit (env PDP_IN_MEMORY=true).")
    var inMemory = false

    @Option(
        name: .customLong("facts-store"),
        help: """
            Where facts API writes go: `journal` (the local data directory, the default) or a \
            postgres://USER:PASSWORD@HOST:PORT/DATABASE URL shared by many sidecars (default: \
            env PDP_FACTS_STORE). With PostgreSQL, a local copy is kept under DATA_DIR/postgres \
            (none with --in-memory).
            """)
    var factsStore: String?

    @Option(
        name: .customLong("max-staleness"),
        help: "Seconds behind the shared facts store after which /ready answers 503 (default: no limit; env PDP_MAX_STALENESS).")
    var maxStaleness: Double?

    @Flag(inversion: .prefixedNo, help: "Reload the policy when its files change (file-system events, a 30 s poll as fallback); SIGHUP always reloads (env PDP_WATCH=false for --no-watch).")
    var watch = true

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env PDP_LOG_LEVEL).")
    var logLevel = "info"

    @OptionGroup(title: "Operations")
    var operations: OperationsOptions

    func validate() throws {
        if policy.isEmpty { throw ValidationError("Missing --policy PATH (or PDP_POLICY).") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("Unknown --log-level \(logLevel).") }
        if maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes must be at least 1024.") }
        if let maxStaleness, !(maxStaleness > 0) { throw ValidationError("--max-staleness must be a positive number of seconds.") }
        if compactAfterBytes < 1 { throw ValidationError("--compact-after-bytes must be positive.") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024.") }
        if maxBulkChecks < 1 || idleTimeout < 1 || maxConnections < 1 || headerTimeout < 1 || bodyTimeout < 1 || minBodyRate < 1 {
            throw ValidationError(
                "--max-bulk-checks, --idle-timeout, --header-timeout, --body-timeout, --min-body-rate and --max-connections must be positive.")
        }
        if let maxUnauthenticatedConnections, maxUnauthenticatedConnections < 1 {
            throw ValidationError("--max-unauthenticated-connections must be positive.")
        }
        if let maxBufferedBodyBytes, maxBufferedBodyBytes < maxBodyBytes {
            throw ValidationError("--max-buffered-body-bytes must be at least --max-body-bytes (\(maxBodyBytes)).")
        }
    }

    func run() async throws {
        operations.bootstrapLogging(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "pdp")
        let loadedFiles = PolicyFilesFingerprint(paths: policy)
        guard let snapshot = PolicyInput.compile(policy, quiet: true) else { throw Status.invalidPolicy }

        var limits = RequestLimits()
        limits.maxBodyBytes = maxBodyBytes
        limits.maxBulkChecks = maxBulkChecks
        limits.idleTimeoutSeconds = idleTimeout
        limits.maxConnections = maxConnections
        limits.headerTimeoutSeconds = headerTimeout
        limits.bodyTimeoutSeconds = bodyTimeout
        limits.minBodyBytesPerSecond = minBodyRate
        limits.maxUnauthenticatedConnections = maxUnauthenticatedConnections
        limits.maxBufferedBodyBytes = maxBufferedBodyBytes ?? max(limits.maxBufferedBodyBytes, maxBodyBytes)
        let environment = ProcessInfo.processInfo.environment
        let key = apiKey ?? environment["PDP_API_KEY"] ?? environment["PERMIT_API_KEY"]
        let configuration = ServerConfiguration(
            host: host, port: port, apiKey: key, limits: limits, debugByDefault: debug,
            metricsUnauthenticated: operations.metricsUnauthenticated, strictReload: operations.strictReload,
            shutdownTimeout: .milliseconds(Int64(operations.shutdownTimeout * 1000)))
        let requestLogs: RequestLogs
        do {
            requestLogs = try operations.requestLogs()
        } catch {
            throw UsageFailure.exit(error.description, command: Self.self)
        }
        do {
            // Fails fast, before the data directory is opened; the server resolves the host
            // again when it binds, and checks that answer.
            _ = try configuration.listenAddress()
        } catch {
            throw UsageFailure.exit(error.description, command: Self.self)
        }

        let snapshots = SnapshotStore(snapshot)
        let (facts, storageServices) = try FactsStorageSetup.writer(
            store: factsStore ?? environment["PDP_FACTS_STORE"], dataDirectory: dataDirectory, inMemory: inMemory,
            compactAfterBytes: compactAfterBytes, base: snapshot, snapshots: snapshots, logger: logger, maxStaleness: maxStaleness)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? EventLoopCount.defaultCount(cores: System.coreCount))
        let server = PDPServer(configuration: configuration, store: snapshots, group: group, logger: logger, facts: facts, logs: requestLogs)
        let paths = policy
        let reloader = PolicyReloadService(
            configuration: PolicyReloadConfiguration(paths: paths, watch: watch, loadedFiles: loadedFiles),
            compile: { PolicyInput.result(paths) }, server: server)
        // Before the listening line: a SIGHUP sent as soon as it appears must reload, not kill.
        await reloader.trapHangups()
        do {
            try await server.start()
        } catch let error as ConfigurationError {
            try await group.shutdownGracefully()
            throw ValidationError(error.description)
        } catch let error as BindError {
            logger.critical("\(error)")
            try await group.shutdownGracefully()
            throw Status.bindFailure
        }
        let authority = ListenAddress.authority(host: host, port: server.localPort ?? port)
        let announcement = ReadinessAnnouncement(line: "pdp listening on http://\(authority)")
        // Shut down in reverse: the announcement, then the server (closes the listener and
        // drains the connections), the reloader, the facts writer (finishes queued writes;
        // every commit is already durable), and last the shared store's change listener, so
        // no write is refused while a request that makes one is still being answered.
        var groupConfiguration = ServiceGroupConfiguration(
            services: storageServices + [facts, reloader, server, announcement], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Past the drain deadline, with room for the writer to finish: then cancel.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout + .seconds(20)
        try await ServiceGroup(configuration: groupConfiguration).run()
        await requestLogs.flush()
        try await group.shutdownGracefully()
        logger.info("stopped")
    }
}
