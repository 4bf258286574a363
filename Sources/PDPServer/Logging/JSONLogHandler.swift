// SPDX-License-Identifier: Apache-2.0
import Logging
import PDPStore
import PDPWire
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that writes one JSON object per line: `time` (RFC 3339, UTC), `level`,
/// `label`, `message`, then the metadata (the handler's, then the message's) as string
/// members, `source` last. For `pdp serve --log-format json`, where a log collector reads
/// standard error.
///
/// Each line is written with one `write(2)`, so lines from different threads never
/// interleave. What goes in is what callers log: the server never logs the API key, a
/// header or a request body.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let descriptor: Int32

    /// Writes to file descriptor `descriptor` (standard error by default).
    public init(label: String, descriptor: Int32 = STDERR_FILENO, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.descriptor = descriptor
        self.metadataProvider = metadataProvider
    }

    public static func standardError(label: String) -> JSONLogHandler { JSONLogHandler(label: label) }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = JSONWriter(buffer: ByteBufferAllocator().buffer(capacity: 256))
        writer.beginObject()
        writer.key("time")
        writer.string(Timestamp.now().rfc3339)
        writer.key("level")
        writer.string(event.level.rawValue)
        writer.key("label")
        writer.string(label)
        writer.key("message")
        writer.string(event.message.description)
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() where !["time", "level", "label", "message", "source"].contains(key) {
            writer.key(key)
            writer.string(merged[key].map { "\($0)" } ?? "")
        }
        writer.key("source")
        writer.string("\(event.source) \(event.file):\(event.line)")
        writer.endObject()
        var line = writer.buffer
        line.writeInteger(UInt8(ascii: "\n"))
        line.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
