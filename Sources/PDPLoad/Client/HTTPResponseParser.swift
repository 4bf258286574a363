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

    /// The connection ended: completes a response whose body runs until the close.
    mutating func finishAtClose() -> Event {
        guard let head, case .untilClose = framing else { return .incomplete }
        let body = buffer.getSlice(at: buffer.readerIndex + headerBytes, length: buffer.readableBytes - headerBytes) ?? ByteBuffer()
        reset()
        return .complete(head, body: body)
    }

    /// `true` while part of a response has arrived.
    var hasPartialResponse: Bool { buffer.readableBytes > 0 }

    private mutating func reset() {
        buffer.clear()
        head = nil
        headerBytes = 0
    }

    private mutating func parse() -> Event {
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
        let view = buffer.readableBytesView
        guard let end = HTTPResponseParser.headerEnd(view) else {
            return view.count > Self.maxHeaderBytes ? .invalid("response header too large") : .incomplete
        }
        let text = String(decoding: view[view.startIndex..<(view.startIndex + end)], as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        guard let statusLine = lines.next(), statusLine.hasPrefix("HTTP/1.") else { return .invalid("not an HTTP/1.x response") }
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, let status = Int(fields[1]) else { return .invalid("malformed status line") }
        var closes = statusLine.hasPrefix("HTTP/1.0")
        var framing = Framing.untilClose
        if status == 204 || status == 304 || (100..<200).contains(status) { framing = .length(0) }
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters().lowercased()
            switch name {
            case "content-length":
                guard let length = Int(value), length >= 0 else { return .invalid("bad Content-Length") }
                if case .chunked = framing {} else { framing = .length(length) }
            case "transfer-encoding" where value.hasSuffix("chunked"):
                framing = .chunked
            case "connection":
                if value.contains("close") { closes = true } else if value.contains("keep-alive") { closes = false }
            default:
                break
            }
        }
        head = HTTPResponseHead(status: status, closes: closes)
        headerBytes = end + 4
        self.framing = framing
        return .complete(HTTPResponseHead(status: status, closes: closes), body: ByteBuffer())
    }

    /// The decoded body once the last chunk (and trailers) arrived, else `nil`.
    private func decodeChunked() -> ByteBuffer? {
        let view = buffer.readableBytesView
        var position = view.startIndex + headerBytes
        var body = ByteBuffer()
        while true {
            guard let lineEnd = Self.find(view, from: position, "\r\n") else { return nil }
            let sizeText = String(decoding: view[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(), radix: 16) else { return nil }
            position = lineEnd + 2
            if size == 0 {
                // Trailers end with an empty line.
                guard Self.find(view, from: position - 2, "\r\n\r\n") != nil else { return nil }
                return body
            }
            guard view.endIndex - position >= size + 2 else { return nil }
            body.writeBytes(view[position..<(position + size)])
            position += size + 2
        }
    }

    private static func headerEnd(_ view: ByteBufferView) -> Int? {
        find(view, from: view.startIndex, "\r\n\r\n").map { $0 - view.startIndex }
    }

    private static func find(_ view: ByteBufferView, from start: Int, _ pattern: StaticString) -> Int? {
        let count = pattern.utf8CodeUnitCount
        guard view.endIndex - start >= count else { return nil }
        return pattern.withUTF8Buffer { needle -> Int? in
            var index = start
            while index <= view.endIndex - count {
                if view[index] == needle[0] {
                    var matched = true
                    for offset in 1..<count where view[index + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    if matched { return index }
                }
                index += 1
            }
            return nil
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters() -> Substring {
        let trimmed = self.drop { $0 == " " || $0 == "\t" }
        var end = trimmed.endIndex
        while end > trimmed.startIndex, trimmed[trimmed.index(before: end)] == " " { end = trimmed.index(before: end) }
        return Substring(trimmed[trimmed.startIndex..<end])
    }
}
