// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc

private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(fd, bytes, count, flags)
}
#elseif canImport(Darwin)
import Darwin

private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(fd, bytes, count, flags)
}
private let MSG_NOSIGNAL: Int32 = 0
#endif

/// Why the raw client could not produce a response.
enum RawHTTPError: Error, Equatable, CustomStringConvertible {
    case connectFailed(Int32)
    case writeFailed(Int32)
    case readFailed(Int32)
    /// The receive deadline passed with no complete response (the server hung).
    case timedOut
    /// The peer closed (or reset) the connection before a complete response arrived.
    case closed(bytesReceived: Int)
    case malformed(String)

    var description: String {
        switch self {
        case .connectFailed(let code): "connect failed (errno \(code))"
        case .writeFailed(let code): "write failed (errno \(code))"
        case .readFailed(let code): "read failed (errno \(code))"
        case .timedOut: "timed out waiting for the server"
        case .closed(let count): "connection closed after \(count) bytes of a response"
        case .malformed(let reason): "malformed response: \(reason)"
        }
    }
}

/// A blocking HTTP/1.1 client over a POSIX socket, for tests only.
///
/// It writes raw bytes (so requests can be malformed on purpose), reads responses framed by
/// `Content-Length` (or chunked, or until close), and keeps unread bytes between calls, so
/// keep-alive and pipelined responses are read back in order. Every read is bounded by the
/// receive timeout: a server that never answers fails the test instead of hanging it.
final class RawHTTPClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var isClosed = false

    init(port: Int, receiveTimeoutSeconds: Int = 10) throws(RawHTTPError) {
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, socketType, 0)
        guard fd >= 0 else { throw .connectFailed(errno) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            _ = posixClose(fd)
            throw .connectFailed(code)
        }
        self.fd = fd
    }

    deinit { close() }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = posixClose(fd)
    }

    /// Half-closes the sending side: the server sees end of input, then should close too.
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    func send(_ text: String) throws(RawHTTPError) { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws(RawHTTPError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                posixSend(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(errno)
            }
            offset += written
        }
    }

    /// Sends `request` and reads one response.
    func roundTrip(_ request: HTTPRequest) throws(RawHTTPError) -> HTTPResponse {
        try send(request.bytes)
        return try readResponse(isHEAD: request.method == "HEAD")
    }

    /// Reads the next complete response.
    /// - Parameter isHEAD: the response answers a HEAD request (no body follows the head).
    func readResponse(isHEAD: Bool = false) throws(RawHTTPError) -> HTTPResponse {
        let headEnd = try fill { Self.find([13, 10, 13, 10], in: $0) }
        var response = try HTTPResponse(head: Array(buffer[..<headEnd]))
        buffer.removeFirst(headEnd + 4)
        let bodyless = isHEAD || response.status / 100 == 1 || response.status == 204 || response.status == 304
        if bodyless { return response }
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            response.body = try readChunkedBody()
        } else if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { throw .malformed("content-length \(lengthText)") }
            _ = try fill { $0.count >= length ? length : nil }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            response.body = try readToEnd()
        }
        return response
    }

    /// Reads until the server closes the connection; `true` if it did before the deadline.
    /// Bytes that arrive meanwhile (a late response) are dropped.
    func waitForClose() -> Bool {
        do {
            _ = try readToEnd()
            return true
        } catch {
            return false
        }
    }

    /// Whether the connection reached end of input with nothing buffered or pending.
    func readsEOF() -> Bool {
        buffer.isEmpty && waitForClose()
    }

    private func readChunkedBody() throws(RawHTTPError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try fill { Self.find([13, 10], in: $0) }
            let line = String(decoding: buffer[..<lineEnd], as: UTF8.self)
            buffer.removeFirst(lineEnd + 2)
            let sizeText = line.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0 else { throw .malformed("chunk size \(line)") }
            if size == 0 {
                // Trailers (ignored) end with an empty line.
                while true {
                    let end = try fill { Self.find([13, 10], in: $0) }
                    buffer.removeFirst(end + 2)
                    if end == 0 { return body }
                }
            }
            _ = try fill { $0.count >= size + 2 ? size : nil }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
        }
    }

    private func readToEnd() throws(RawHTTPError) -> [UInt8] {
        while try receive() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Receives until `complete` finds what it needs in the buffer; returns its result.
    private func fill(_ complete: ([UInt8]) -> Int?) throws(RawHTTPError) -> Int {
        while true {
            if let found = complete(buffer) { return found }
            guard try receive() else { throw .closed(bytesReceived: buffer.count) }
        }
    }

    /// One `recv`; `false` at end of input (a reset counts as end of input too).
    private func receive() throws(RawHTTPError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[..<count]
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw .timedOut
            case ECONNRESET: return false
            case let code: throw .readFailed(code)
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
