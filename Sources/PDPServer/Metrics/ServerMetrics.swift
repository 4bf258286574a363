// SPDX-License-Identifier: Apache-2.0
import CoreMetrics
import NIOCore
import PDPStore
import Prometheus
import Synchronization

/// Every metric `GET /metrics` shows, and where each comes from.
///
/// The request path records into per-event-loop ``LoopMetrics`` (counters only that loop
/// writes); nothing here is touched per request. Events off the request path (a policy
/// reload, a facts commit) record through swift-metrics handles backed by a
/// swift-prometheus registry of this server's own (not the process-wide `MetricsSystem`, so
/// several servers in one process, as in the tests, keep separate counts). A scrape sums
/// the loops' counters, publishes them and the current gauges (connections,
/// facts, journal) into the registry, and renders the registry in the Prometheus text
/// format, followed by the per-route latency histograms (rendered here: swift-prometheus
/// histograms take one observation at a time, the loops hand over bucket counts).
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let loops = Mutex<[ObjectIdentifier: LoopMetrics]>([:])
    /// What the last scrape published, so counters move by the difference (scrapes are
    /// serialized by this lock).
    private let published = Mutex(Published())

    private let reloadSuccesses: CoreMetrics.Counter
    private let reloadFailures: CoreMetrics.Counter
    private let lastReloadSuccess: CoreMetrics.Gauge
    private let lastReloadTime: CoreMetrics.Gauge
    private let policyDigest = Mutex<(digest: String, gauge: Prometheus.Gauge)?>(nil)
    let fsyncDuration: CoreMetrics.Timer

    struct Published: Sendable {
        var totals = LoopMetrics.Totals.zero
        var requestCounters: [Int: CoreMetrics.Counter] = [:]
        var dropped: [String: UInt64] = [:]
    }

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // fsync takes from tens of microseconds (tmpfs) to tens of milliseconds (a busy disk).
        factory.durationHistogramBuckets["pdp_facts_fsync_duration_seconds"] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .seconds(1),
        ]
        self.factory = factory
        reloadSuccesses = CoreMetrics.Counter(label: "pdp_policy_reloads_total", dimensions: [("result", "success")], factory: factory)
        reloadFailures = CoreMetrics.Counter(label: "pdp_policy_reloads_total", dimensions: [("result", "failure")], factory: factory)
        lastReloadSuccess = CoreMetrics.Gauge(label: "pdp_policy_last_reload_success", factory: factory)
        lastReloadTime = CoreMetrics.Gauge(label: "pdp_policy_last_reload_timestamp_seconds", factory: factory)
        fsyncDuration = CoreMetrics.Timer(label: "pdp_facts_fsync_duration_seconds", factory: factory)
        let start = Double(Timestamp.now().millisecondsSinceEpoch) / 1000
        CoreMetrics.Gauge(label: "pdp_start_time_seconds", factory: factory).record(start)
        // Until the first reload, the policy served is the one loaded at start: a success.
        lastReloadSuccess.record(1)
        lastReloadTime.record(start)
    }

    /// The counters of `loop`'s connections, made on first use. Takes a lock: call once per
    /// connection, never per request.
    func recorder(for loop: any EventLoop) -> LoopMetrics {
        loops.withLock { loops in
            let id = ObjectIdentifier(loop)
            if let existing = loops[id] { return existing }
            let created = LoopMetrics()
            loops[id] = created
            return created
        }
    }

    /// Counts a policy reload and when it happened.
    public func recordReload(success: Bool) {
        (success ? reloadSuccesses : reloadFailures).increment()
        lastReloadSuccess.record(success ? 1 : 0)
        lastReloadTime.record(Double(Timestamp.now().millisecondsSinceEpoch) / 1000)
    }

    /// Shows the digest of the policy files now served as `pdp_policy_info{digest="..."} 1`.
    public func setPolicyDigest(_ digest: String) {
        policyDigest.withLock { current in
            if current?.digest == digest { return }
            if let old = current?.gauge { registry.unregisterGauge(old) }
            let gauge = registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "pdp", metricName: "policy", unitName: "info",
                    helpText: "The policy being served: digest of the compiled policy (resources, actions, roles and their permissions, tenants, users), as /ready shows it."),
                labels: [("digest", digest)])
            gauge.set(to: 1.0)
            current = (digest, gauge)
        }
    }

    /// The digest shown by ``setPolicyDigest(_:)``, if any.
    public var policyDigestValue: String? { policyDigest.withLock { $0?.digest } }

    /// Sums every loop's counters, publishes them and the gauges, and renders the text format.
    func scrape(_ state: ServerState) -> [UInt8] {
        let recorders = loops.withLock { Array($0.values) }
        return published.withLock { published in
            let totals = recorders.reduce(LoopMetrics.Totals.zero) { $0.adding($1.totals()) }
            publishRequests(totals, into: &published)
            publishGauges(state, dropped: &published.dropped)
            var text: [UInt8] = []
            text.reserveCapacity(16 * 1024)
            registry.emit(into: &text)
            LatencyHistogramText.append(totals, to: &text)
            return text
        }
    }

    private func publishRequests(_ totals: LoopMetrics.Totals, into published: inout Published) {
        for route in MetricRoute.allCases {
            for slot in 0..<MetricStatus.count {
                let index = route.rawValue * MetricStatus.count + slot
                let delta = totals.requests[index] &- published.totals.requests[index]
                guard delta > 0 else { continue }
                let counter =
                    published.requestCounters[index]
                    ?? CoreMetrics.Counter(
                        label: "pdp_http_requests_total", dimensions: [("route", route.label), ("code", MetricStatus.label(slot))],
                        factory: factory)
                published.requestCounters[index] = counter
                counter.increment(by: Int64(clamping: delta))
            }
        }
        let allowed = totals.allowed &- published.totals.allowed
        let denied = totals.denied &- published.totals.denied
        CoreMetrics.Counter(label: "pdp_decisions_total", dimensions: [("result", "allowed")], factory: factory).increment(by: Int64(clamping: allowed))
        CoreMetrics.Counter(label: "pdp_decisions_total", dimensions: [("result", "denied")], factory: factory).increment(by: Int64(clamping: denied))
        published.totals = totals
    }

    private func publishGauges(_ state: ServerState, dropped: inout [String: UInt64]) {
        func gauge(_ label: String, _ value: Int, _ dimensions: [(String, String)] = []) {
            CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory).record(Int64(value))
        }
        gauge("pdp_open_connections", state.connections.openCount)
        let summary = state.facts.summary
        gauge("pdp_facts", summary.users, [("kind", "users")])
        gauge("pdp_facts", summary.tenants, [("kind", "tenants")])
        gauge("pdp_facts", summary.assignments, [("kind", "role_assignments")])
        gauge("pdp_facts_loading", state.facts.isLoading ? 1 : 0)
        let storage = state.facts.storageStatus
        gauge("pdp_facts_journal_bytes", storage.journalBytes)
        gauge("pdp_facts_storage_writable", storage.writeProblem == nil ? 1 : 0)
        if let last = storage.lastSyncNanoseconds {
            CoreMetrics.Gauge(label: "pdp_facts_last_fsync_seconds", factory: factory).record(Double(last) / 1e9)
        }
        // The change position of the facts applied (sidecars on one shared store that show the
        // same position hold the same facts), and how far behind that store this one is.
        gauge("pdp_facts_position", Int(clamping: summary.position))
        if let sync = state.facts.sync {
            let reading = sync.reading
            gauge("pdp_facts_store_connected", reading.connected ? 1 : 0)
            // -1 until the sidecar has once seen every committed change.
            CoreMetrics.Gauge(label: "pdp_facts_staleness_seconds", factory: factory).record(reading.staleness() ?? -1)
        }
        for (name, sink) in [("decision", state.logs.decisions), ("access", state.logs.access)] {
            let total = sink?.droppedRecords ?? 0
            let delta = total &- (dropped[name] ?? 0)
            dropped[name] = total
            CoreMetrics.Counter(label: "pdp_log_records_dropped_total", dimensions: [("log", name)], factory: factory)
                .increment(by: Int64(clamping: delta))
        }
    }
}
