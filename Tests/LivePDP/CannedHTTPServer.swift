// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 server on a free port that answers every request with one fixed
/// response (or never answers, with `silent`), counting connections and requests. For
/// client tests of bad answers, timeouts and connection reuse, where a real PDP cannot be
/// made to misbehave.
public final class CannedHTTPServer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connectionCount = 0
    private var requestCount = 0
    private var openSockets: [Int32] = []
    private var stopped = false

    /// Connections accepted so far.
    public var connections: Int { lock.withLock { connectionCount } }
    /// Requests read so far.
    public var requests: Int { lock.withLock { requestCount } }

    /// - Parameters:
    ///   - status: the answer's status code.
    ///   - body: the answer's body (sent as `application/json`).
    ///   - silent: accept and read, but never answer (a hung PDP).
    public init(status: Int = 200, body: String = "{}", silent: Bool = false) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let response = Data(
            "HTTP/1.1 \(status) Canned\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        Thread.detachNewThread { [self] in acceptLoop(response: response, silent: silent) }
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting and ends every open connection. Idempotent. It only shuts sockets
    /// down; each descriptor is closed by the one thread that uses it (the accept loop, a
    /// connection's reader), after it is taken out of `openSockets` under the lock. Closing
    /// them here let a late `accept` or `shutdown` reach a descriptor number that by then
    /// belonged to another test's server in this process, which lost its listener or its
    /// connections (the suite's flaky "localPort nil" and "connection closed" failures).
    public func stop() {
        lock.withLock {
            if stopped { return }
            stopped = true
            for socket in openSockets { shutdown(socket, Int32(SHUT_RDWR)) }
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    deinit { stop() }

    private func acceptLoop(response: Data, silent: Bool) {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let accepted = lock.withLock { () -> Bool in
                if stopped { return false }
                connectionCount += 1
                openSockets.append(connection)
                return true
            }
            guard accepted else {
                close(connection)
                return
            }
            Thread.detachNewThread { [self] in serve(connection, response: response, silent: silent) }
        }
    }

    /// Reads requests (head plus `Content-Length` body) and answers each.
    private func serve(_ connection: Int32, response: Data, silent: Bool) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        defer {
            lock.withLock {
                openSockets.removeAll { $0 == connection }
                close(connection)
            }
        }
        while true {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            pending.append(contentsOf: buffer[0..<count])
            while let headEnd = pending.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[pending.startIndex..<headEnd.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                guard pending.distance(from: pending.startIndex, to: headEnd.upperBound) + length <= pending.count else { break }
                pending.removeSubrange(pending.startIndex..<pending.index(headEnd.upperBound, offsetBy: length))
                lock.withLock { requestCount += 1 }
                if silent { continue }
                let sent = response.withUnsafeBytes { write(connection, $0.baseAddress, response.count) }
                if sent != response.count { return }
            }
        }
    }
}
