// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Logging
import PDPServer

/// `pdp serve`'s options for running it in production: metrics, logs, readiness, shutdown.
struct OperationsOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "text or json: one JSON object per log line on standard error (env PDP_LOG_FORMAT).")
    var logFormat = "text"

    @Flag(
        name: .customLong("metrics-unauthenticated"),
        help: "Serve GET /metrics without the API key (env PDP_METRICS_UNAUTHENTICATED=true).")
    var metricsUnauthenticated = false

    @Flag(
        name: .customLong("strict-reload"),
        help: "Answer /ready with 503 while the last policy reload failed (env PDP_STRICT_RELOAD=true).")
    var strictReload = false

    @Option(
        name: .customLong("shutdown-timeout"),
        help: "Seconds SIGTERM waits for requests in flight and open connections before closing them (env PDP_SHUTDOWN_TIMEOUT).")
    var shutdownTimeout = 10.0

    @Option(
        name: .customLong("decision-log"),
        help: "Write one JSON line per decision to this file, or - for standard output (env PDP_DECISION_LOG; default: off).")
    var decisionLog: String?

    @Option(
        name: .customLong("decision-log-sample"),
        help: "Share of decisions the decision log keeps, above 0 and at most 1 (env PDP_DECISION_LOG_SAMPLE).")
    var decisionLogSample = 1.0

    @Option(
        name: .customLong("access-log"),
        help: "Write one JSON line per request (route, status, latency, bytes) to this file, or - (env PDP_ACCESS_LOG; default: off).")
    var accessLog: String?

    func validate() throws {
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json.") }
        guard shutdownTimeout.isFinite, shutdownTimeout >= 0, shutdownTimeout <= 3600 else {
            throw ValidationError("--shutdown-timeout must be between 0 and 3600 seconds.")
        }
        guard decisionLogSample > 0, decisionLogSample <= 1 else { throw ValidationError("--decision-log-sample must be above 0 and at most 1.") }
        if decisionLog != nil, decisionLog == accessLog, decisionLog != "-" {
            throw ValidationError("--decision-log and --access-log must be different files.")
        }
    }

    /// Sends swift-log's output to standard error, as text or JSON lines.
    func bootstrapLogging(level: Logger.Level) {
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Opens the decision and access logs.
    /// - Throws: ``ConfigurationError`` when a log file cannot be opened.
    func requestLogs() throws(ConfigurationError) -> RequestLogs {
        let decisions = try decisionLog.map { path throws(ConfigurationError) in try LogSink(destination: path) }
        let access = try accessLog.map { path throws(ConfigurationError) in try LogSink(destination: path) }
        return RequestLogs(decisions: decisions, decisionSampleRate: decisionLogSample, access: access)
    }
}
