// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Why a connection to the PDP could not be made, in words for the report.
enum ConnectFailure {
    /// "connection refused by 127.0.0.1:7766", or the system's words for another failure;
    /// `detail` when there is no error number.
    static func describe(_ code: Int32?, to address: SocketAddress, detail: String = "") -> String {
        let target = address.ipAddress.map { address.protocol == .inet6 ? "[\($0)]:\(address.port ?? 0)" : "\($0):\(address.port ?? 0)" } ?? "\(address)"
        switch code {
        case ECONNREFUSED: return "connection refused by \(target) (is the PDP running there?)"
        case ETIMEDOUT: return "connecting to \(target) timed out"
        case EHOSTUNREACH, ENETUNREACH: return "\(target) is unreachable"
        case let code?: return "connecting to \(target): \(String(cString: strerror(code)))"
        case nil: return "connecting to \(target): \(detail)"
        }
    }
}
