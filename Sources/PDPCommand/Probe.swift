// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `pdp probe URL`: a health check with no other tool in the image (the container's
/// HEALTHCHECK runs it; a slim image has no curl). Plain HTTP on loopback only.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "GET an http:// URL and exit 0 when it answers 200 (for container health checks).",
        discussion: "Exits 1 on any other status, a refused connection or no answer within --timeout."
    )

    @Argument(help: "For example http://127.0.0.1:7766/healthy")
    var url: String

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 2

    func validate() throws {
        guard url.hasPrefix("http://") else { throw ValidationError("Only http:// URLs can be probed.") }
        guard timeout > 0 && timeout <= 60 else { throw ValidationError("--timeout must be between 0 and 60 seconds.") }
    }

    func run() throws {
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var host = String(authority)
        var port = "80"
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"), authority.filter({ $0 == ":" }).count == 1 || authority.hasPrefix("[") {
            host = String(authority[..<colon])
            port = String(authority[authority.index(after: colon)...])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let request = "GET \(path.isEmpty ? "/" : path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n\r\n"
        switch Self.status(host: host, port: port, request: request, timeout: timeout) {
        case .success(200):
            return
        case .success(let status):
            writeStandardError("pdp probe: \(url) answered \(status)")
        case .failure(let why):
            writeStandardError("pdp probe: \(url): \(why.description)")
        }
        throw ExitCode.failure
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The status code of the answer to `request`.
    static func status(host: String, port: String, request: String, timeout: Double) -> Result<Int, Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &list) == 0, let first = list else { return .failure(Failure(description: "cannot resolve \(host)")) }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .failure(Failure(description: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return .failure(Failure(description: String(cString: strerror(errno))))
        }
        let sent = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
        guard sent > 0 else { return .failure(Failure(description: String(cString: strerror(errno)))) }
        var head = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let count = head.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            guard count > 0 else {
                return .failure(Failure(description: count == 0 ? "connection closed without an answer" : "no answer in time"))
            }
            received += count
        }
        // "HTTP/1.1 200 ..."
        let line = String(decoding: head[..<received], as: UTF8.self)
        guard line.hasPrefix("HTTP/1."), let status = Int(line.dropFirst(9).prefix(3)) else {
            return .failure(Failure(description: "not an HTTP answer"))
        }
        return .success(status)
    }
}
