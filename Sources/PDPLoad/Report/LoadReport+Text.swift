// SPDX-License-Identifier: Apache-2.0
import Foundation

extension LoadReport {
    /// The end-of-run table `pdp load` prints.
    public func table() -> String {
        var lines: [String] = []
        let how = newConnectionPerRequest ? "new connection per request" : "keep-alive"
        let pacing = rate.map { "open loop at \(Self.count($0)) req/s over \(connections) connections" } ?? "closed loop, \(connections) connections"
        lines.append("target      \(target)\(endpoint)\(batchSize > 1 ? " (batch \(batchSize))" : "")")
        lines.append("load        \(pacing), \(how), \(threads) thread\(threads == 1 ? "" : "s"), \(Self.seconds(durationSeconds)) measured")
        if workloadMix.allowed + workloadMix.denied > 0 {
            let percent = String(format: "%.0f%%", workloadMix.allowedFraction * 100)
            lines.append("workload    \(workloadMix.allowed + workloadMix.denied) checks, \(percent) allowed; denies: "
                + workloadMix.outcomes.filter { $0.key != "allowed" }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("throughput  \(Self.count(requestsPerSecond)) requests/s" + (batchSize > 1 ? ", \(Self.count(decisionsPerSecond)) decisions/s" : ""))
        lines.append("requests    \(requests)" + (batchSize > 1 ? " (\(decisions) decisions)" : ""))
        let latency = latencyMicroseconds
        lines.append("latency     p50 \(Self.micros(latency.p50))  p90 \(Self.micros(latency.p90))  p99 \(Self.micros(latency.p99))  "
            + "p99.9 \(Self.micros(latency.p999))  max \(Self.micros(latency.max))")
        let busy = Int((generatorBusiestThread * 100).rounded())
        lines.append(
            "generator   busiest thread on the CPU \(busy)% of the run"
                + (generatorBusiestThread >= Self.saturatedGenerator
                    ? ": saturated, so the latency includes the generator's own queueing (add --threads, or lower --rate)" : ""))
        lines.append("errors      \(connectionErrors) connection, \(timeouts) timeout")
        for (reason, count) in errorReasons.sorted(by: { $0.value > $1.value }) {
            lines.append("  \(count)×  \(reason)")
        }
        let statuses = statusCounts.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        lines.append("non-200     \(non200)\(statuses.isEmpty ? "" : " (\(statuses))")")
        if verified {
            lines.append("mismatches  \(mismatches) (answers: \(allowedAnswers) allow, \(deniedAnswers) deny)")
            for sample in mismatchSamples {
                lines.append("  request   \(sample.request)")
                lines.append("  expected  \(sample.expected); got \(sample.got)")
            }
        } else {
            lines.append("mismatches  not verified (pass --verify)")
        }
        return lines.joined(separator: "\n")
    }

    /// `123µs` below a millisecond, else `1.23ms`.
    static func micros(_ value: UInt64) -> String {
        value < 1000 ? "\(value)µs" : value < 10_000 ? String(format: "%.2fms", Double(value) / 1000) : String(format: "%.1fms", Double(value) / 1000)
    }

    static func count(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2fs", value) }
}
