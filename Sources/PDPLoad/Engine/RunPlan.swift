// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// What every worker of a run shares, fixed before the first request.
struct RunPlan: Sendable {
    let configuration: LoadConfiguration
    let requests: [PreparedRequest]
    let checks: [WorkloadCheck]
    /// Monotonic nanoseconds: load starts, measuring starts, no new request after.
    let start: Int64
    let warmupEnd: Int64
    let stopAt: Int64
    let timeoutNanoseconds: Int64
    /// The target's address, resolved once before the run so connects skip name resolution.
    let address: SocketAddress

    /// The monotonic clock every timestamp of a run is read from, in nanoseconds.
    static func now() -> Int64 { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }

    /// Measured requests for worker `index`: an even share of `--requests`.
    func budget(forWorker index: Int) -> Int? {
        guard let total = configuration.maxRequests else { return nil }
        let workers = configuration.connections
        return total / workers + (index < total % workers ? 1 : 0)
    }

    func pacer(forWorker index: Int) -> RequestPacer {
        if let rate = configuration.rate {
            return RequestPacer(
                openLoopFrom: start, rate: rate, worker: index, workers: configuration.connections, until: stopAt,
                budget: budget(forWorker: index), countsFrom: warmupEnd)
        }
        return RequestPacer(closedLoopUntil: stopAt, budget: budget(forWorker: index), countsFrom: warmupEnd)
    }
}
