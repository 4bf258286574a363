// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// One event loop's lines for one ``LogSink``, gathered on the loop and handed to the sink
/// once per loop iteration (or sooner when large), so the sink's queue and counters are
/// touched once per batch, not per line.
///
/// Loop-confined: only the connections of ``loop`` append, and the flush runs on it; hence
/// `@unchecked Sendable` (the reference is kept in a shared table, the state is not shared).
final class LoopLogBuffer: @unchecked Sendable {
    /// A batch this large is handed over at once rather than at the end of the iteration.
    static let flushBytes = 64 * 1024

    let loop: any EventLoop
    let sink: LogSink
    private var buffer: ByteBuffer
    private var records = 0
    private var scheduled = false

    init(loop: any EventLoop, sink: LogSink) {
        self.loop = loop
        self.sink = sink
        buffer = ByteBufferAllocator().buffer(capacity: 4096)
    }

    /// Appends one line written by `write` (which must not write a newline; one is added).
    func append(_ write: (inout ByteBuffer) -> Void) {
        write(&buffer)
        buffer.writeInteger(UInt8(ascii: "\n"))
        records += 1
        if buffer.readableBytes >= Self.flushBytes {
            flush()
        } else if !scheduled {
            scheduled = true
            loop.execute { self.flush() }
        }
    }

    /// Hands the lines gathered so far to the sink.
    func flush() {
        scheduled = false
        guard records > 0 else { return }
        sink.submit(buffer, records: records)
        buffer = ByteBufferAllocator().buffer(capacity: 4096)
        records = 0
    }
}
