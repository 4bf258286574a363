// SPDX-License-Identifier: Apache-2.0
import Dispatch
import NIOCore
import PDPCore
import PDPWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Answers a large `/allowed/bulk` body on several cores: the body is cut into slices at item
/// boundaries, the event loop's thread and a ``Helper`` thread (or, when no helper is free,
/// `DispatchQueue.concurrentPerform`) read and decide the slices in parallel, and the slices'
/// answers are joined in input order.
///
/// NIO's event loops stay the I/O model; this is CPU work inside one request, spread by
/// Dispatch over the idle cores. The loop waits for the batch, as it waits for a sequential
/// one, only shorter. Per request it allocates the cut list, one answer buffer per slice and a
/// scratch per extra slice under `concurrentPerform`; nothing per item.
///
/// Returns `nil`, having written nothing, when the body should be read sequentially instead:
/// too small to pay for the hand-off, no usable cut, a cut that turned out not to be an item
/// boundary, more items than allowed, or an invalid body (the sequential reader then reports
/// the exact error and item path, as before).
enum ParallelBulk {
    /// How many slices a body of `byteCount` bytes is cut into on `cores` cores; 1 means
    /// "answer it on the event loop" (always so on one core).
    static func sliceCount(byteCount: Int, cores: Int) -> Int {
        guard cores > 1 else { return 1 }
        return max(1, min(cores * slicesPerCore, byteCount / minimumSliceBytes))
    }

    /// Two slices per core: a thread that arrives late finds part of the batch already taken
    /// by the loop's thread, not its whole share waiting for it. (Four per core measured
    /// 0.94-0.96x of two, with `concurrentPerform` and with the helper.)
    static let slicesPerCore = 2

    /// The smallest slice worth handing to another thread (~50 checks of the SDK's body):
    /// below two of these a batch stays on the loop, as before, since waking a worker and
    /// joining it costs about as much as reading that many checks.
    static let minimumSliceBytes = 8 * 1024

    /// The machine's cores as NIO counts them (cgroup CPU limits included), read once.
    static let cores = System.coreCount

    fileprivate struct Slice {
        var start: Int
        var end: Int?
        var answers: ByteBuffer? = nil
        var count: Int? = nil
        var allowed: UInt32 = 0
    }

    /// What the threads reading slices share. Unchecked: each reads the body and the snapshot
    /// (immutable while the loop waits for the slices), and writes only the slices it took and
    /// its own scratch; the loop's thread uses the connection's scratch, which nothing else
    /// touches while its loop is blocked here.
    fileprivate struct Job: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        let slices: UnsafeMutableBufferPointer<Slice>
        let mainScratch: JSONScratch
        let allocator: ByteBufferAllocator
        let published: SnapshotStore.Box
        let limits: JSONLimits
        let maxItems: Int

        /// One `concurrentPerform` iteration: each slice parses with its own scratch (escaped
        /// strings decode into it).
        func run(_ part: Int) {
            run(part, scratch: part == 0 ? mainScratch : JSONScratch(initialCapacity: 64))
        }

        /// Reads and decides one slice with `scratch`, which no other thread uses meanwhile.
        func run(_ part: Int, scratch: JSONScratch) {
            // Allocated here, not taken from the slice: a copy of a stored buffer would be
            // copied again on its first write.
            let size = (slices[part].end ?? bytes.count) - slices[part].start
            var answers = allocator.buffer(capacity: 16 + size / 4)
            var writer = BulkAllowedResponseWriter()
            var allowed: UInt32 = 0
            let count = try? CheckRequestReader.readBulkSlice(
                bytes, from: slices[part].start, to: slices[part].end, scratch: scratch, limits: limits, maxItems: maxItems
            ) { _, fields in
                let allow = DecisionEndpoints.decide(published.snapshot, fields).isAllowed
                if allow { allowed &+= 1 }
                writer.append(allow: allow, into: &answers)
            }
            slices[part].answers = answers
            slices[part].count = count
            slices[part].allowed = allowed
        }
    }

    /// Writes the whole answer (`{"allow":[…]}`) into `out` and returns the decision counts,
    /// or returns `nil` with `out` untouched (see the type's documentation).
    static func answer(
        _ body: ByteBuffer, _ context: EndpointContext, slices wanted: Int, helper: Helper? = nil, into out: inout ByteBuffer
    ) -> (allowed: UInt32, denied: UInt32)? {
        let maxItems = context.limits.maxBulkChecks
        var slices: [Slice] = body.withUnsafeReadableBytes { bytes in
            var points: [Int] = []
            points.reserveCapacity(wanted)
            CheckRequestReader.bulkSplitPoints(bytes, parts: wanted, into: &points)
            var slices: [Slice] = []
            slices.reserveCapacity(points.count + 1)
            var start = 0
            for end in points {
                slices.append(Slice(start: start, end: end))
                start = end
            }
            slices.append(Slice(start: start, end: nil))
            return slices
        }
        guard slices.count > 1 else { return nil }
        body.withUnsafeReadableBytes { bytes in
            slices.withUnsafeMutableBufferPointer { slices in
                let job = Job(
                    bytes: bytes, slices: slices, mainScratch: context.scratch, allocator: context.allocator,
                    published: context.published, limits: context.jsonLimits, maxItems: maxItems)
                // The helper asked for at the head is running by now: it and this thread take
                // the slices. If there is none, or it gave up waiting, Dispatch's pool is woken.
                if helper?.share(job) != true {
                    DispatchQueue.concurrentPerform(iterations: slices.count) { part in job.run(part) }
                }
            }
        }
        var total = 0
        var allowed: UInt32 = 0
        for slice in slices {
            guard let count = slice.count, slice.answers != nil else { return nil }
            total += count
            allowed &+= slice.allowed
        }
        guard total <= maxItems else { return nil }
        let writer = BulkAllowedResponseWriter()
        writer.begin(into: &out)
        var wroteAny = false
        for slice in slices where slice.count != 0 {
            guard var answers = slice.answers else { continue }
            if wroteAny { out.writeStaticString(",") }
            out.writeBuffer(&answers)
            wroteAny = true
        }
        writer.end(into: &out)
        return (allowed, UInt32(clamping: total) &- allowed)
    }

    /// The second thread of one large batch, asked for when the batch's head arrives instead of
    /// when its body is complete, and kept for the next batch.
    ///
    /// Why: a Dispatch worker on this kind of VM starts running 40-60 µs after it is woken,
    /// a third of the time a 1,000-check batch takes to read and decide, so with
    /// `concurrentPerform` alone the event loop's thread had done much of the batch before
    /// help came (1.16-1.24x over one loop). So:
    /// - a helper is asked for at the head, and waits for the body, yielding its core, for at
    ///   most ``maxWait``;
    /// - a helper thread stays up to ``lingerTime`` after its batch, yielding, and the next
    ///   batch's helper is handed to it: no wake-up at all for a client sending batches back to
    ///   back (1.77-1.81x over one loop, docs/performance.md);
    /// - the two threads take slices by an atomic counter, so neither waits for the other to
    ///   start, and the loop's thread waits at the end only for a slice the helper is reading,
    ///   spinning and yielding instead of sleeping (a wake-up costs more than the wait).
    ///
    /// At most `cores - 1` helper threads exist at a time in the process (``start()`` returns
    /// `nil` beyond that), so a flood of large batches costs no more spinning threads than there
    /// are spare cores. A helper that is not needed after all (an error, a debug answer, a
    /// closed connection) is told so by ``close()``, and its thread goes back to lingering.
    /// The handing over takes a `Mutex` once per large batch, never per decision.
    final class Helper: Sendable {
        private static let waiting = 0, shared = 1, closed = 2
        private let phase = Atomic<Int>(Helper.waiting)
        private let claimed = Atomic<Int>(0)
        private let finished = Atomic<Int>(0)
        /// Written by the loop's thread before `phase` becomes `shared` (release), read by the
        /// helper only after it saw `shared` (acquire).
        nonisolated(unsafe) private var job: Job?

        /// Helper threads (Dispatch blocks running ``run(first:)``) in the whole process:
        /// waiting for a body, taking slices, or lingering for the next batch.
        private static let threads = Atomic<Int>(0)
        /// Helper threads in the process (tests).
        static var outstandingCount: Int { threads.load(ordering: .relaxed) }
        /// Batches shared with the helper asked for at their head since the process started (tests).
        static let sharedBatches = Atomic<Int>(0)
        /// Batches handed to a lingering helper thread instead of a newly woken one (tests).
        static let handedToLingering = Atomic<Int>(0)

        /// Threads lingering after a batch, and the next batch's helper handed to one of them.
        private struct Lingering {
            var count = 0
            var handed: Helper?
        }
        private static let lingering = Mutex(Lingering())
        /// Whether `lingering.handed` is set: what lingering threads spin on, without the lock.
        private static let handedHint = Atomic<Bool>(false)

        /// How long a helper waits for its body before it gives up (the loop then falls back
        /// to `concurrentPerform`): a body that takes longer to arrive is not worth a core.
        static let maxWait = Atomic<UInt64>(defaultMaxWait)  // tests lengthen it
        static let defaultMaxWait: UInt64 = 200_000  // nanoseconds

        /// How long a helper thread stays after its batch for the next one, yielding its core.
        /// A client sending batches one after another sends the next within ~50 µs here (it
        /// reads and checks the answer, then writes 162 KB); a thread still there takes it
        /// without the 40-60 µs wake-up, and without the loop paying for the wake.
        static let lingerTime = Atomic<UInt64>(defaultLingerTime)  // tests lengthen it
        static let defaultLingerTime: UInt64 = 250_000  // nanoseconds

        /// A helper for a batch whose body is on its way: handed to a lingering helper thread,
        /// or to a newly woken one if a spare core can wait for it (`nil` otherwise).
        static func start() -> Helper? {
            guard cores > 1 else { return nil }
            let helper = Helper()
            let handed = lingering.withLock { lingering -> Bool in
                guard lingering.count > 0, lingering.handed == nil else { return false }
                lingering.count -= 1  // taken by one of them
                lingering.handed = helper
                handedHint.store(true, ordering: .releasing)
                return true
            }
            if handed {
                handedToLingering.wrappingAdd(1, ordering: .relaxed)
                return helper
            }
            let (before, _) = threads.wrappingAdd(1, ordering: .relaxed)
            guard before < cores - 1 else {
                threads.wrappingSubtract(1, ordering: .relaxed)
                return nil
            }
            DispatchQueue.global(qos: .userInitiated).async {
                run(first: helper)
                threads.wrappingSubtract(1, ordering: .relaxed)
            }
            return helper
        }

        /// A helper thread: helps with its batch, then with each batch handed to it while it
        /// lingers.
        private static func run(first: Helper) {
            let scratch = JSONScratch(initialCapacity: 64)
            var helper = first
            while true {
                helper.help(scratch: scratch)
                guard let next = linger() else { return }
                helper = next
            }
        }

        /// Waits up to ``lingerTime`` for a helper handed over by ``start()``, yielding.
        private static func linger() -> Helper? {
            lingering.withLock { $0.count += 1 }
            let started = DispatchTime.now().uptimeNanoseconds
            while true {
                let expired = DispatchTime.now().uptimeNanoseconds &- started > lingerTime.load(ordering: .relaxed)
                if expired || handedHint.load(ordering: .acquiring) {
                    let outcome = lingering.withLock { lingering -> (Helper?, leave: Bool) in
                        if let helper = lingering.handed {
                            lingering.handed = nil
                            handedHint.store(false, ordering: .relaxed)
                            return (helper, false)
                        }
                        guard expired else { return (nil, false) }
                        lingering.count -= 1
                        return (nil, true)
                    }
                    if let helper = outcome.0 { return helper }
                    if outcome.leave { return nil }
                }
                sched_yield()
            }
        }

        /// The helper's side: wait for the work (or for `close()`), then take slices.
        private func help(scratch: JSONScratch) {
            let started = DispatchTime.now().uptimeNanoseconds
            while true {
                let now = phase.load(ordering: .acquiring)
                if now == Helper.shared { break }
                if now == Helper.closed { return }
                if DispatchTime.now().uptimeNanoseconds &- started > Helper.maxWait.load(ordering: .relaxed) {
                    // Give up, unless the work was shared in the meantime.
                    if phase.compareExchange(expected: Helper.waiting, desired: Helper.closed, ordering: .acquiring).exchanged { return }
                    continue
                }
                // Whoever else this core has (the client writing the body, another
                // connection's loop) runs first.
                sched_yield()
            }
            takeSlices(scratch: scratch)
        }

        /// The loop's side: shares `job` and takes slices until all are taken, then waits for
        /// the helper's last one. Returns `false`, having done nothing, when the helper gave up.
        fileprivate func share(_ job: Job) -> Bool {
            self.job = job
            guard phase.compareExchange(expected: Helper.waiting, desired: Helper.shared, ordering: .releasing).exchanged else {
                self.job = nil
                return false
            }
            takeSlices(scratch: job.mainScratch)
            // Yielding: should the scheduler have put the helper on this core, it runs now.
            while finished.load(ordering: .acquiring) < job.slices.count { sched_yield() }
            Helper.sharedBatches.wrappingAdd(1, ordering: .relaxed)
            return true
        }

        /// Tells a helper that is still waiting that no work will come.
        func close() {
            _ = phase.compareExchange(expected: Helper.waiting, desired: Helper.closed, ordering: .relaxed)
        }

        private func takeSlices(scratch: JSONScratch) {
            guard let job else { return }
            while true {
                let (part, _) = claimed.wrappingAdd(1, ordering: .relaxed)
                guard part < job.slices.count else { return }
                job.run(part, scratch: scratch)
                finished.wrappingAdd(1, ordering: .releasing)
            }
        }
    }
}
