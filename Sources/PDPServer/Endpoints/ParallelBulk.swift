// SPDX-License-Identifier: Apache-2.0
import Dispatch
import NIOCore
import PDPCore
import PDPWire

/// Answers a large `/allowed/bulk` body on several cores: the body is cut into slices at item
/// boundaries, `DispatchQueue.concurrentPerform` reads and decides the slices in parallel
/// (the event loop's thread takes part), and the slices' answers are joined in input order.
///
/// NIO's event loops stay the I/O model; this is CPU work inside one request, which Dispatch's
/// pool spreads over the idle cores. The loop waits for the batch, as it waits for a
/// sequential one today, only shorter. Per request it allocates the cut list, one answer buffer
/// and one scratch per extra slice; nothing per item.
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

    /// Two slices per core: a Dispatch worker that wakes late (tens of microseconds on this
    /// VM) finds half of the batch already taken by the loop's thread, not its whole share
    /// waiting for it.
    static let slicesPerCore = 2

    /// The smallest slice worth handing to another thread (~50 checks of the SDK's body):
    /// below two of these a batch stays on the loop, as before, since waking a worker and
    /// joining it costs about as much as reading that many checks.
    static let minimumSliceBytes = 8 * 1024

    /// The machine's cores as NIO counts them (cgroup CPU limits included), read once.
    static let cores = System.coreCount

    private struct Slice {
        var start: Int
        var end: Int?
        var answers: ByteBuffer? = nil
        var count: Int? = nil
        var allowed: UInt32 = 0
    }

    /// What the parallel iterations share. Unchecked: every iteration reads the body and the
    /// snapshot (immutable while the loop waits in `concurrentPerform`), and writes only its
    /// own slice and its own scratch; slice 0 uses the connection's scratch, which nothing
    /// else touches while its loop is blocked here.
    private struct Job: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        let slices: UnsafeMutableBufferPointer<Slice>
        let mainScratch: JSONScratch
        let allocator: ByteBufferAllocator

        func run(_ part: Int, published: SnapshotStore.Box, limits: JSONLimits, maxItems: Int) {
            // Each slice parses with its own scratch: escaped strings decode into it.
            let scratch = part == 0 ? mainScratch : JSONScratch(initialCapacity: 64)
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
        _ body: ByteBuffer, _ context: EndpointContext, slices wanted: Int, into out: inout ByteBuffer
    ) -> (allowed: UInt32, denied: UInt32)? {
        let published = context.published
        let limits = context.jsonLimits
        let maxItems = context.limits.maxBulkChecks
        let allocator = context.allocator
        let mainScratch = context.scratch
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
                let job = Job(bytes: bytes, slices: slices, mainScratch: mainScratch, allocator: allocator)
                DispatchQueue.concurrentPerform(iterations: slices.count) { part in
                    job.run(part, published: published, limits: limits, maxItems: maxItems)
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
}
