// SPDX-License-Identifier: Apache-2.0

/// The PDP under test: `http://HOST[:PORT][/PREFIX]`. Only plain HTTP is supported.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address, without IPv6 brackets.
    public var host: String
    public var port: Int
    /// A path prefix put before `/allowed`, without a trailing slash (usually empty).
    public var basePath: String

    public init(host: String, port: Int, basePath: String = "") {
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses `http://HOST[:PORT][/PREFIX]`.
    public init(parsing text: String) throws(LoadError) {
        let scheme = "http://"
        guard text.lowercased().hasPrefix(scheme) else {
            throw LoadError("Only http:// URLs are supported (got \(text)).")
        }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw LoadError("Unterminated IPv6 address in \(text).") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw LoadError("Malformed URL \(text).") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw LoadError("Missing host in \(text).") }
        var port = 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw LoadError("Invalid port in \(text).") }
            port = value
        }
        self.init(host: String(host), port: port, basePath: path)
    }

    /// `true` for `localhost`, `127.0.0.0/8` and `::1`: addresses that never leave this machine.
    public var isLoopback: Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in UInt8(part) != nil }
    }

    /// The `Host` header value.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    public var description: String { "http://\(hostHeader)\(basePath)" }
}
