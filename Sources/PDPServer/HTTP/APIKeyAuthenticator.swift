// SPDX-License-Identifier: Apache-2.0

/// Checks `Authorization: Bearer <key>` headers.
///
/// The scheme is matched case-insensitively (Python SDK 2.6.5 sends `bearer`). The key is
/// compared in constant time: the time taken depends only on the lengths, never on how many
/// leading bytes match, so it cannot be guessed byte by byte from response times.
struct APIKeyAuthenticator: Sendable {
    enum Verdict: Equatable {
        case accepted
        /// No `Authorization` header: 401.
        case missing
        /// A header with the wrong scheme or key: 403.
        case rejected
    }

    private let key: [UInt8]?

    init(apiKey: String?) {
        key = apiKey.map { Array($0.utf8) }
    }

    func verify(_ header: String?) -> Verdict {
        guard let key else { return .accepted }
        guard let header else { return .missing }
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count >= scheme.count,
            zip(bytes, scheme).allSatisfy({ ($0 | 0x20) == $1 })
        else { return .rejected }
        var token = bytes[scheme.count...].drop { $0 == UInt8(ascii: " ") }
        while token.last == UInt8(ascii: " ") { token = token.dropLast() }
        return Self.constantTimeEquals(Array(token), key) ? .accepted : .rejected
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = a.count ^ b.count
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= Int(x ^ y)
        }
        return difference == 0
    }
}
