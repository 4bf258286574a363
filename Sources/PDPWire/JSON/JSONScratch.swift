// SPDX-License-Identifier: Apache-2.0

/// Reusable storage for strings that contain escapes.
///
/// Strings without escapes are returned as views straight into the request body; a string
/// with escapes has to be decoded somewhere, and that somewhere is this buffer. Keep one per
/// event loop or per channel and pass it to every read: after the first body of a given size
/// the buffer never grows again, so reading a typical check body performs no heap allocation.
///
/// Each read first ensures the capacity is at least the body size. Decoding an escape never
/// makes a string longer than its encoded form (`\n` is 2 bytes in, 1 out; `\uXXXX` is 6 in,
/// at most 3 out; a surrogate pair is 12 in, 4 out), so the decoded strings of one body always
/// fit and the storage never moves while views into it are alive.
///
/// Not thread-safe and not `Sendable`: one reader at a time.
public final class JSONScratch {
    // Unchecked exclusivity: one reader at a time by contract (see above), and the runtime
    // check on every reset and string decode showed up on the check path.
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutableRawPointer
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var used: Int = 0

    /// Creates a scratch buffer with an initial capacity in bytes (default 4 KiB).
    public init(initialCapacity: Int = 4096) {
        capacity = max(64, initialCapacity)
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Current capacity in bytes; grows to the largest body read so far and never shrinks.
    public var currentCapacity: Int { capacity }

    /// Forgets earlier contents and makes room for a body of `byteCount` bytes.
    /// Any view into the scratch from an earlier read becomes invalid.
    @usableFromInline
    func reset(forBodyOf byteCount: Int) {
        used = 0
        if byteCount > capacity {
            storage.deallocate()
            var newCapacity = capacity
            while newCapacity < byteCount { newCapacity &*= 2 }
            storage = .allocate(byteCount: newCapacity, alignment: 16)
            capacity = newCapacity
        }
    }

    /// The address where the next decoded byte goes.
    @usableFromInline
    var cursor: UnsafeMutablePointer<UInt8> {
        storage.assumingMemoryBound(to: UInt8.self) + used
    }
}
