// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// A complete HTTP/1.1 response as far as the load harness cares.
struct HTTPResponseHead: Sendable {
    var status: Int
    /// The server will close (or asked us to close) the connection after this response.
    var closes: Bool
}

/// Incremental HTTP/1.1 response framing for one response at a time: status line, headers,
/// then a body delimited by `Content-Length`, chunked encoding, or the end of the connection.
struct HTTPResponseParser {
    enum Event {
        case incomplete
        case complete(HTTPResponseHead, body: ByteBuffer)
        case invalid(String)
    }

    private enum Framing {
        case length(Int)
        case chunked
        case untilClose
    }

    private var buffer = ByteBuffer()
    private var head: HTTPResponseHead?
    private var headerBytes = 0
    private var framing = Framing.length(0)
    private static let maxHeaderBytes = 64 * 1024

    /// Appends `data` and reports whether a whole response has arrived. After `.complete` the
    /// parser is ready for the next response.
    mutating func feed(_ data: inout ByteBuffer) -> Event {
        if buffer.readableBytes == 0 {
            swap(&buffer, &data)
        } else {
            buffer.writeBuffer(&data)
        }
        return parse()
    }

    /// Reads into the buffer: `fill` gets at least `minimumSpace` free bytes and returns what
    /// `read(2)` returns; so does this. Call ``parse()`` after a positive count.
    mutating func receive(minimumSpace: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        var result = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: minimumSpace) { space in
            result = fill(space)
            return max(0, result)
        }
        return result
    }

    /// The connection ended: completes a response whose body runs until the close.
    mutating func finishAtClose() -> Event {
        guard let head, case .untilClose = framing else { return .incomplete }
        let body = buffer.getSlice(at: buffer.readerIndex + headerBytes, length: buffer.readableBytes - headerBytes) ?? ByteBuffer()
        reset()
        return .complete(head, body: body)
    }

    /// `true` while part of a response has arrived.
    var hasPartialResponse: Bool { buffer.readableBytes > 0 }

    /// Forgets a partial response (its connection is gone); keeps the buffer's memory.
    mutating func reset() {
        buffer.clear()
        head = nil
        headerBytes = 0
    }

    /// Whether the bytes received so far make a whole response. After `.complete` the parser is
    /// ready for the next response.
    mutating func parse() -> Event {
        if head == nil {
            switch parseHead() {
            case .incomplete: return .incomplete
            case .invalid(let reason): return .invalid(reason)
            case .complete: break
            }
        }
        guard let head else { return .incomplete }
        let available = buffer.readableBytes - headerBytes
        switch framing {
        case .untilClose:
            return .incomplete
        case .length(let length):
            guard available >= length else { return .incomplete }
            let body = buffer.getSlice(at: buffer.readerIndex + headerBytes, length: length) ?? ByteBuffer()
            reset()
            return .complete(head, body: body)
        case .chunked:
            guard let body = decodeChunked() else { return .incomplete }
            reset()
            return .complete(head, body: body)
        }
    }

    private mutating func parseHead() -> Event {
        let parsed = buffer.withUnsafeReadableBytes { bytes in Self.parseHead(bytes) }
        switch parsed {
        case .incomplete:
            return buffer.readableBytes > Self.maxHeaderBytes ? .invalid("response header too large") : .incomplete
        case .invalid(let reason):
            return .invalid(reason)
        case .head(let head, let length, let framing):
            self.head = head
            headerBytes = length
            self.framing = framing
            return .complete(head, body: ByteBuffer())
        }
    }

    private enum ParsedHead {
        case incomplete
        case invalid(String)
        case head(HTTPResponseHead, length: Int, framing: Framing)
    }

    /// Parses the status line and the headers that matter, byte by byte (no allocation).
    private static func parseHead(_ bytes: UnsafeRawBufferPointer) -> ParsedHead {
        guard let end = find(bytes, from: 0, "\r\n\r\n") else { return .incomplete }
        // "HTTP/1.x NNN ..."
        guard end >= 12, bytes[0] == UInt8(ascii: "H"), bytes[4] == UInt8(ascii: "/"), bytes[5] == UInt8(ascii: "1"),
            bytes[8] == UInt8(ascii: " ")
        else { return .invalid("not an HTTP/1.x response") }
        var status = 0
        for index in 9..<12 {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return .invalid("malformed status line") }
            status = status * 10 + Int(digit)
        }
        var closes = bytes[7] == UInt8(ascii: "0")
        var framing = Framing.untilClose
        if status == 204 || status == 304 || (100..<200).contains(status) { framing = .length(0) }
        var lineStart = (find(bytes, from: 0, "\r\n") ?? end) + 2
        while lineStart < end {
            let lineEnd = find(bytes, from: lineStart, "\r\n") ?? end
            defer { lineStart = lineEnd + 2 }
            var colon = lineStart
            while colon < lineEnd && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < lineEnd else { continue }
            var valueStart = colon + 1
            while valueStart < lineEnd && (bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t")) {
                valueStart += 1
            }
            let name = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon])
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<lineEnd])
            if equalsIgnoringCase(name, "content-length") {
                var length = 0
                for byte in value where byte != UInt8(ascii: " ") {
                    let digit = byte &- UInt8(ascii: "0")
                    guard digit < 10, length < 1 << 40 else { return .invalid("bad Content-Length") }
                    length = length * 10 + Int(digit)
                }
                if case .chunked = framing {} else { framing = .length(length) }
            } else if equalsIgnoringCase(name, "transfer-encoding") {
                if contains(value, "chunked") { framing = .chunked }
            } else if equalsIgnoringCase(name, "connection") {
                if contains(value, "close") { closes = true } else if contains(value, "keep-alive") { closes = false }
            }
        }
        return .head(HTTPResponseHead(status: status, closes: closes), length: end + 4, framing: framing)
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] | 0x20 { return false }
            return true
        }
    }

    /// Case-insensitive substring test for header values such as `Keep-Alive` or `chunked`.
    private static func contains(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for start in 0...(bytes.count - count)
        where equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]), lowercase) {
            return true
        }
        return false
    }

    /// The decoded body once the last chunk (and trailers) arrived, else `nil`.
    private func decodeChunked() -> ByteBuffer? {
        buffer.withUnsafeReadableBytes { bytes -> ByteBuffer? in
            var position = headerBytes
            var body = ByteBuffer()
            while true {
                guard let lineEnd = Self.find(bytes, from: position, "\r\n") else { return nil }
                var size = 0
                for byte in bytes[position..<lineEnd] {
                    guard let digit = Self.hexValue(byte) else { break }
                    size = size * 16 + digit
                    if size > 1 << 30 { return nil }
                }
                position = lineEnd + 2
                if size == 0 {
                    // Trailers end with an empty line.
                    return Self.find(bytes, from: position - 2, "\r\n\r\n") == nil ? nil : body
                }
                guard bytes.count - position >= size + 2 else { return nil }
                body.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + size)]))
                position += size + 2
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    private static func find(_ bytes: UnsafeRawBufferPointer, from start: Int, _ pattern: StaticString) -> Int? {
        let count = pattern.utf8CodeUnitCount
        guard start >= 0, bytes.count - start >= count else { return nil }
        return pattern.withUTF8Buffer { needle -> Int? in
            var index = start
            let last = bytes.count - count
            while index <= last {
                if bytes[index] == needle[0] {
                    var offset = 1
                    while offset < count && bytes[index + offset] == needle[offset] { offset += 1 }
                    if offset == count { return index }
                }
                index += 1
            }
            return nil
        }
    }
}
