// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Keeps one connection's last response buffer so the next answer can be written into it.
///
/// Every response used to allocate its buffer (two mallocs: the storage object and its bytes)
/// and free it once written. A connection answers one request at a time, and by the time the
/// next request arrives the previous answer has normally been written and NIO has dropped
/// its reference, so the buffer kept here is again the only one and is reused in place. If
/// the socket still holds it (a slow reader), `clear()` finds it shared and allocates anew,
/// so reuse never touches bytes still waiting to be sent. Only small buffers are kept (the
/// decision answers), so an idle connection holds at most ``maximumKept`` bytes.
final class ResponseBufferRecycler {
    static let maximumKept = 4096
    // Touched only on the connection's event loop, one access at a time.
    @exclusivity(unchecked) private var spare: ByteBuffer?

    init() {}

    @inline(__always)
    func take(capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard var buffer = spare, capacity &+ ResponseFraming.headroom <= buffer.capacity else {
            return allocator.responseBuffer(capacity: capacity)
        }
        spare = nil  // `buffer` must be the only reference left for `clear()` to reuse it
        buffer.clear()
        buffer.skipResponseHeadroom()
        return buffer
    }

    /// Keeps `written`, a response just handed to the socket, for the next answer.
    @inline(__always)
    func keep(_ written: ByteBuffer) {
        spare = written.capacity <= Self.maximumKept ? written : nil
    }
}
