// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the server could not listen on its address.
public struct BindError: Error, Sendable, CustomStringConvertible {
    /// `host:port`, an IPv6 host in brackets.
    public var address: String
    /// The `errno` of the failed call: `EADDRINUSE` when another socket holds the address.
    public var code: Int32

    public init(address: String, errno code: Int32) {
        self.address = address
        self.code = code
    }

    /// Whether another socket (another `pdp serve`, say) holds the address.
    public var isAddressInUse: Bool { code == EADDRINUSE }

    /// "address 127.0.0.1:7766 already in use", and so on.
    public var description: String {
        switch code {
        case EADDRINUSE: "address \(address) already in use"
        case EADDRNOTAVAIL: "cannot listen on \(address): not an address of this machine"
        case EACCES: "cannot listen on \(address): permission denied (ports below 1024 need privileges)"
        default: "cannot listen on \(address): \(String(cString: strerror(code)))"
        }
    }
}
