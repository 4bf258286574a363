// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP server on 127.0.0.1 that answers `pdp load` the way a broken or slow PDP would, with
/// blocking sockets and a thread per connection: nothing shared with the generator's code.
final class ScriptedServer: Sendable {
    enum Behaviour: Sendable {
        /// Reads requests and never answers.
        case silent
        /// Reads a request and closes the connection without answering.
        case hangUp
        /// Answers every request in three pieces a few milliseconds apart; with `close`, says
        /// `Connection: close` and closes after each answer.
        case trickle(close: Bool)
        /// Answers without a length: the body runs until the server closes.
        case untilClose
        /// Answers with bytes that are not HTTP.
        case garbage
    }

    static let answer = #"{"allow":true,"result":true}"#

    let port: Int
    private let listener: Int32
    private let behaviour: Behaviour
    private let state = NIOLockedValueBox((accepted: 0, requests: 0, open: [Int32]()))

    /// Connections accepted so far.
    var accepted: Int { state.withLockedValue { $0.accepted } }
    /// Requests read so far.
    var requests: Int { state.withLockedValue { $0.requests } }

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }  // stopped
                state.withLockedValue {
                    $0.accepted += 1
                    $0.open.append(connection)
                }
                Thread.detachNewThread { self.serve(connection) }
            }
        }
    }

    /// Stops accepting and closes every connection still open.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        // Under the lock, so a descriptor closed (and perhaps reused by another test) meanwhile
        // is not touched.
        state.withLockedValue { state in
            for connection in state.open { shutdown(connection, Int32(SHUT_RDWR)) }
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            state.withLockedValue { state in
                state.open.removeAll { $0 == connection }
                close(connection)
            }
        }
        while readRequest(connection) {
            state.withLockedValue { $0.requests += 1 }
            switch behaviour {
            case .silent:
                continue
            case .hangUp:
                return
            case .garbage:
                write(connection, "NOT HTTP AT ALL\r\n\r\n")
            case .untilClose:
                write(connection, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + Self.answer)
                return
            case .trickle(let close):
                let head = "HTTP/1.1 200 OK\r\nContent-Length: \(Self.answer.utf8.count)\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n"
                let whole = Array((head + Self.answer).utf8)
                // Cut inside the status line's headers and inside the body.
                for piece in [whole[..<20], whole[20..<(head.utf8.count + 5)], whole[(head.utf8.count + 5)...]] {
                    write(connection, String(decoding: piece, as: UTF8.self))
                    usleep(2_000)
                }
                if close { return }
            }
        }
    }

    /// Reads one request (head and `Content-Length` body); `false` when the peer closed.
    private func readRequest(_ connection: Int32) -> Bool {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let end = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count - end >= length { return true }
            }
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return false }
            received += chunk[..<count]
        }
    }

    private func write(_ connection: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { send(connection, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }
            offset += written
        }
    }
}
