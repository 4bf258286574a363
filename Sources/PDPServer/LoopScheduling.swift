// SPDX-License-Identifier: Apache-2.0
import CPDPScheduling
import NIOCore
import NIOPosix

/// Short kernel time slices for the event loop threads, so a loop that wakes on a core the
/// app is using runs at once instead of waiting out the app's slice.
///
/// A sidecar's loop sleeps between requests and the kernel wakes it onto some core; when the
/// app (in the benchmarks, the load generator) is running there, Linux's EEVDF scheduler lets
/// the running thread finish its slice (about 1.4 ms on 2 cores) before the loop runs, and
/// the loop holds every connection's request meanwhile. Since Linux 6.12 a thread may ask for
/// a shorter slice (`sched_setattr` with `sched_runtime`, no privilege needed); a waking
/// thread with a shorter slice preempts one with a longer slice. Its share of the CPU is
/// unchanged (that is the nice value's), so a busy loop gets no more time than before, only
/// sooner. Older kernels accept the call and ignore the value.
public enum LoopScheduling {
    /// The default slice, in microseconds: the shortest the kernel allows.
    public static let defaultSliceMicroseconds = 100

    /// What asking for the slice on one loop thread came to.
    public struct Outcome: Sendable, Equatable {
        /// 0, or the errno of the refusal (ENOSYS off Linux; EPERM for a thread under a
        /// real-time or batch policy, which is left as it is).
        public var error: Int32
        /// The slice the kernel reports afterwards, in nanoseconds (0 when it cannot tell).
        public var sliceNanoseconds: UInt64
    }

    /// Asks for a slice of `microseconds` on every loop of `group`, and returns what each came to.
    public static func requestSlice(microseconds: Int, on group: MultiThreadedEventLoopGroup) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for loop in group.makeIterator() {
            let outcome = try? await loop.submit {
                let error = pdp_request_scheduler_slice(UInt64(microseconds) * 1000)
                return Outcome(error: error, sliceNanoseconds: pdp_scheduler_slice())
            }.get()
            outcomes.append(outcome ?? Outcome(error: ECANCELED, sliceNanoseconds: 0))
        }
        return outcomes
    }

    /// The calling thread's slice in nanoseconds as the kernel reports it (0 when it cannot tell).
    public static func currentSliceNanoseconds() -> UInt64 { pdp_scheduler_slice() }
}
