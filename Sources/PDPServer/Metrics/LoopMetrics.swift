// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// The request counters and latency histograms of one event loop.
///
/// Written only on its loop, by the connections of that loop: each count is a relaxed atomic
/// load and a relaxed atomic store, never a read-modify-write (on x86-64 and arm64 both are
/// plain moves: no lock prefix, no contention), and nothing is allocated per request. One
/// writer per counter, so no increment is lost. ``ServerMetrics`` reads every loop's
/// counters with relaxed loads when `/metrics` is scraped and sums them: a scrape sees each
/// counter as of some recent moment, which is all a monotonic counter needs.
final class LoopMetrics: Sendable {
    /// Latency buckets: bucket `k` (0 to 23) counts requests under 2^k µs, the last every
    /// slower one. Powers of two, so a bucket is found from the leading zero count.
    static let finiteBuckets = 24
    static let buckets = finiteBuckets + 1
    static let routes = MetricRoute.allCases.count

    /// A copy of a loop's counters; ``adding(_:)`` sums them across loops.
    struct Totals: Sendable {
        /// `[route][status slot]`, flattened.
        var requests: [UInt64]
        /// `[route][bucket]`, flattened; per bucket, not cumulative.
        var latencyBuckets: [UInt64]
        /// Per route, in nanoseconds.
        var latencySums: [UInt64]
        var allowed: UInt64
        var denied: UInt64

        static var zero: Totals {
            Totals(
                requests: Array(repeating: 0, count: LoopMetrics.routes * MetricStatus.count),
                latencyBuckets: Array(repeating: 0, count: LoopMetrics.routes * LoopMetrics.buckets),
                latencySums: Array(repeating: 0, count: LoopMetrics.routes), allowed: 0, denied: 0)
        }

        func adding(_ other: Totals) -> Totals {
            Totals(
                requests: zip(requests, other.requests).map { $0 &+ $1 },
                latencyBuckets: zip(latencyBuckets, other.latencyBuckets).map { $0 &+ $1 },
                latencySums: zip(latencySums, other.latencySums).map { $0 &+ $1 },
                allowed: allowed &+ other.allowed, denied: denied &+ other.denied)
        }
    }

    // One block for all counters: requests, then latency buckets, then latency sums, then
    // allowed and denied. `nonisolated(unsafe)`: the pointer never changes, and what it points
    // to is atomic.
    nonisolated(unsafe) private let storage: UnsafeMutablePointer<Atomic<UInt64>>
    private static let requestsBase = 0
    private static let bucketsBase = routes * MetricStatus.count
    private static let sumsBase = bucketsBase + routes * buckets
    private static let allowedIndex = sumsBase + routes
    private static let deniedIndex = allowedIndex + 1
    private static let size = deniedIndex + 1

    init() {
        storage = .allocate(capacity: Self.size)
        for index in 0..<Self.size { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: Self.size)
        storage.deallocate()
    }

    /// Adds to a counter only this loop writes: load and store, not an atomic add.
    @inline(__always)
    private func add(_ index: Int, _ amount: UInt64) {
        let counter = storage + index
        counter.pointee.store(counter.pointee.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// Counts one answered request of `route` with status slot `status`, taking `nanoseconds`.
    @inline(__always)
    func request(route: Int, status: Int, nanoseconds: UInt64) {
        add(Self.requestsBase &+ route &* MetricStatus.count &+ status, 1)
        let micros = nanoseconds / 1000
        let bucket = min(UInt64.bitWidth &- micros.leadingZeroBitCount, Self.finiteBuckets)
        add(Self.bucketsBase &+ route &* Self.buckets &+ bucket, 1)
        add(Self.sumsBase &+ route, nanoseconds)
    }

    /// Counts decisions (a bulk request counts each of its checks).
    @inline(__always)
    func decisions(allowed: UInt32, denied: UInt32) {
        add(Self.allowedIndex, UInt64(allowed))
        add(Self.deniedIndex, UInt64(denied))
    }

    /// A copy of the counters, from any thread.
    func totals() -> Totals {
        let values = (0..<Self.size).map { (storage + $0).pointee.load(ordering: .relaxed) }
        return Totals(
            requests: Array(values[Self.requestsBase..<Self.bucketsBase]),
            latencyBuckets: Array(values[Self.bucketsBase..<Self.sumsBase]),
            latencySums: Array(values[Self.sumsBase..<Self.allowedIndex]),
            allowed: values[Self.allowedIndex], denied: values[Self.deniedIndex])
    }
}
