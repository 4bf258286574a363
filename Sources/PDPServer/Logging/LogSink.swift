// SPDX-License-Identifier: Apache-2.0
import Dispatch
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the decision log or the access log goes: a file (appended to) or standard output,
/// written on a serial dispatch queue of its own, never on an event loop.
///
/// Bounded: at most ``capacityBytes`` wait to be written. A batch that would pass that is
/// dropped whole and its records counted in ``droppedRecords`` (the
/// `pdp_log_records_dropped_total` metric): a slow disk or a stalled reader of standard
/// output costs log lines, never a request's time. Records that fail to be written (a full
/// disk) are counted there too.
public final class LogSink: Sendable {
    /// Default bound on bytes waiting to be written: 8 MiB.
    public static let defaultCapacityBytes = 8 << 20

    /// `"-"` for standard output, else the file's path.
    public let destination: String
    public let capacityBytes: Int
    private let descriptor: Int32
    private let queue: DispatchQueue
    private let pending = Atomic<Int>(0)
    private let dropped = Atomic<UInt64>(0)
    private let written = Atomic<UInt64>(0)

    /// Opens `destination` (`-` is standard output; a file is created with mode 0640 if
    /// missing, and appended to).
    /// - Throws: ``ConfigurationError`` when the file cannot be opened for writing.
    public init(destination: String, capacityBytes: Int = LogSink.defaultCapacityBytes) throws(ConfigurationError) {
        self.destination = destination
        self.capacityBytes = max(1, capacityBytes)
        if destination == "-" {
            descriptor = STDOUT_FILENO
        } else {
            let opened = open(destination, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard opened >= 0 else {
                throw ConfigurationError(message: "cannot open \(destination) for writing: \(String(cString: strerror(errno)))")
            }
            descriptor = opened
        }
        queue = DispatchQueue(label: "pdp.log.\(destination == "-" ? "stdout" : "file")")
    }

    deinit {
        if descriptor != STDOUT_FILENO { _ = close(descriptor) }
    }

    /// Records dropped because the queue was full or the write failed.
    public var droppedRecords: UInt64 { dropped.load(ordering: .relaxed) }
    /// Records written.
    public var writtenRecords: UInt64 { written.load(ordering: .relaxed) }

    /// Queues `bytes` (`records` complete lines) for writing, or drops and counts them when
    /// the queue is full. Never blocks.
    func submit(_ bytes: ByteBuffer, records: Int) {
        let size = bytes.readableBytes
        let (before, _) = pending.add(size, ordering: .relaxed)
        if before + size > capacityBytes {
            pending.subtract(size, ordering: .relaxed)
            dropped.add(UInt64(records), ordering: .relaxed)
            return
        }
        queue.async { [self] in
            let complete = bytes.withUnsafeReadableBytes { Self.writeAll(descriptor, $0) }
            pending.subtract(size, ordering: .relaxed)
            if complete {
                written.add(UInt64(records), ordering: .relaxed)
            } else {
                dropped.add(UInt64(records), ordering: .relaxed)
            }
        }
    }

    /// Waits until everything queued so far is written (shutdown, tests).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in queue.async { continuation.resume() } }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }
}
