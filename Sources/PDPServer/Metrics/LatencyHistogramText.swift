// SPDX-License-Identifier: Apache-2.0

/// Renders `pdp_http_request_duration_seconds`, the per-route latency histograms, in the
/// Prometheus text format (cumulative `le` buckets, `_sum`, `_count`), from the loops'
/// per-bucket counts. Routes that answered nothing yet are left out.
enum LatencyHistogramText {
    static let name = "pdp_http_request_duration_seconds"

    /// The upper bound of finite bucket `k` in seconds: 2^k µs.
    static func upperBound(_ bucket: Int) -> String {
        let micros = 1 << bucket
        // Exact decimals: 2^k µs has at most 7 integer digits of µs.
        let seconds = micros / 1_000_000
        let fraction = String(micros % 1_000_000)
        return "\(seconds)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    static func append(_ totals: LoopMetrics.Totals, to text: inout [UInt8]) {
        var out = "# HELP \(name) Time from a request's complete head to its answer being written, by route.\n"
        out += "# TYPE \(name) histogram\n"
        for route in MetricRoute.allCases {
            let base = route.rawValue * LoopMetrics.buckets
            let counts = totals.latencyBuckets[base..<base + LoopMetrics.buckets]
            let count = counts.reduce(0, &+)
            guard count > 0 else { continue }
            let label = "route=\"\(route.label)\""
            var cumulative: UInt64 = 0
            for bucket in 0..<LoopMetrics.finiteBuckets {
                cumulative &+= counts[base + bucket]
                out += "\(name)_bucket{\(label),le=\"\(upperBound(bucket))\"} \(cumulative)\n"
            }
            out += "\(name)_bucket{\(label),le=\"+Inf\"} \(count)\n"
            let sum = totals.latencySums[route.rawValue]
            out += "\(name)_sum{\(label)} \(Double(sum) / 1e9)\n"
            out += "\(name)_count{\(label)} \(count)\n"
        }
        text.append(contentsOf: out.utf8)
    }
}
