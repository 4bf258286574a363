// SPDX-License-Identifier: Apache-2.0
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host `pdp serve` was asked to listen on, resolved to its addresses once: the loopback
/// decision and the bind both use this one answer, so a name cannot pass the check as one
/// address and be bound as another.
public struct ListenAddress: Sendable {
    /// The host as given, without the brackets of an IPv6 literal (`[::1]` is `::1`).
    public let host: String
    public let port: Int
    /// Every address the host resolves to, in the resolver's order; the server binds the
    /// first, as NIO's `bind(host:port:)` does.
    public let addresses: [SocketAddress]

    /// An address already resolved (``resolve(host:port:)`` makes them from a host).
    public init(host: String, port: Int, addresses: [SocketAddress]) {
        self.host = host
        self.port = port
        self.addresses = addresses
    }

    /// Resolves `host` (a name, or an IPv4 or IPv6 literal, with or without brackets) with
    /// `getaddrinfo`. Blocks while the resolver answers: call it off event loops.
    /// - Throws: ``ConfigurationError`` when the host does not resolve (for example any name
    ///   under `.invalid`) or resolves to no IPv4 or IPv6 address.
    public static func resolve(host: String, port: Int) throws(ConfigurationError) -> ListenAddress {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(socketStreamType)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(bare, String(port), &hints, &list)
        guard status == 0 else {
            throw ConfigurationError(message: "cannot resolve the host `\(host)`: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let raw = info.ai_addr.map(UnsafeRawPointer.init) else { continue }
            switch info.ai_family {
            case AF_INET: addresses.append(SocketAddress(raw.load(as: sockaddr_in.self), host: bare))
            case AF_INET6: addresses.append(SocketAddress(raw.load(as: sockaddr_in6.self), host: bare))
            default: continue
            }
        }
        guard !addresses.isEmpty else {
            throw ConfigurationError(message: "the host `\(host)` resolves to no IPv4 or IPv6 address")
        }
        return ListenAddress(host: bare, port: port, addresses: addresses)
    }

    /// Whether every address is a loopback address (and there is one): only then may the
    /// server run without an API key. Deciding on the name instead let `127.invalid` (any name starting `127.`)
    /// through.
    public var isLoopback: Bool { !addresses.isEmpty && addresses.allSatisfy(Self.isLoopback) }

    /// Whether `address` is in `127.0.0.0/8`, is `::1`, or is `::ffff:127.x.y.z`.
    public static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let isV4Mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            return bytes == Array(repeating: 0, count: 15) + [1] || (isV4Mapped && bytes[12] == 127)
        default:
            return false
        }
    }

    /// `host:port` as it goes in a URL: an IPv6 literal in brackets (`[::1]:7766`).
    public static func authority(host: String, port: Int) -> String {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
    }
}

#if canImport(Glibc)
let socketStreamType = Int32(SOCK_STREAM.rawValue)
#else
let socketStreamType = SOCK_STREAM
#endif
