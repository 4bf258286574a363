// SPDX-License-Identifier: Apache-2.0
import TestSupport

/// Generated HTTP/1.x requests and mutations of them, for the differential parser test.
///
/// A base request is well formed (a method, a target, HTTP/1.0 or 1.1, a Host, some of
/// Authorization, Content-Type, Connection, Expect and custom fields, a body framed by
/// Content-Length or chunked with extensions and trailers); each case then applies up to
/// three mutations aimed at framing: bytes replaced, inserted or deleted (CR, LF, NUL, space,
/// tab, colon, DEL, obs-text), header lines repeated or added (Content-Length and
/// Transfer-Encoding variants, a second Host or Authorization, folded lines), CRLF turned into
/// LF, the version or a name's case changed. Only decision and read routes are used, so the
/// production pipeline can answer every case on an `EmbeddedChannel`.
struct RequestMutator {
    var random: SplitMix64

    static let targets = [
        "/allowed", "/allowed/bulk", "/allowed/all-tenants", "/user-permissions", "/authorized_users", "/user-tenants",
        "/allowed?debug=true", "/health", "/local/role_assignments?user=bob&page=1", "/facts/users?per_page=5",
    ]
    static let checkBody = #"{"user":{"key":"alice"},"action":"read","resource":{"type":"task","tenant":"default"}}"#
    static let trickyLines = [
        "Transfer-Encoding: chunked", "Transfer-Encoding: Chunked", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, identity",
        "Content-Length: 0", "Content-Length: +5", "Content-Length: 5, 5", "Content-Length: 00012", "Content-Length: -1",
        "Content-Length: 99999999999999999999", "Content-Length:", "Host: other", "Host:", "Authorization: Bearer test-key",
        "Authorization: Bearer wrong", " folded", "\tfolded", "X-Tab: a\tb", "X-Empty:", "X-Spaces:   padded   ", "Expect: 100-continue",
        "Expect: something", "Connection: close", "Connection: keep-alive, Upgrade", "Upgrade: h2c", "X Y: z", "X-Colon:: v",
        "X-Obs: caf\u{E9}", "Content-Type: application/json; charset=utf-8", "TE: trailers",
    ]
    static let interestingBytes: [UInt8] = [0x0D, 0x0A, 0x00, 0x20, 0x09, 0x3A, 0x7F, 0x80, 0xFF, 0x61, 0x30, 0x3B, 0x2C, 0x22, 0x0B, 0x0C]

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    /// A well-formed request.
    mutating func base() -> [UInt8] {
        let http10 = chance(15)
        let target = pick(Self.targets)
        let post = !target.hasPrefix("/health") && !target.hasPrefix("/local") && !target.hasPrefix("/facts")
        let method = post ? (chance(90) ? "POST" : pick(["PUT", "PATCH", "DELETE"])) : (chance(90) ? "GET" : "DELETE")
        var lines = ["\(method) \(target) HTTP/1.\(http10 ? 0 : 1)"]
        var fields = ["Host: 127.0.0.1:7766"]
        if chance(90) { fields.append("Authorization: Bearer test-key") }
        if chance(50) { fields.append("Content-Type: application/json") }
        if chance(30) { fields.append("User-Agent: python-requests/2.31") }
        if chance(20) { fields.append(pick(["Connection: close", "Connection: keep-alive", "Accept: */*"])) }
        if chance(10) { fields.append("X-Custom-\(random.next() % 100): value \(random.next() % 1000)") }
        var body: [UInt8] = []
        if post {
            let text = target.contains("bulk") ? "[\(Self.checkBody)]" : Self.checkBody
            if !http10 && chance(25) {
                fields.append("Transfer-Encoding: chunked")
                let bytes = Array(text.utf8)
                let cut = Int(random.next() % UInt64(bytes.count))
                for part in [bytes[..<cut], bytes[cut...]] where !part.isEmpty {
                    let ext = chance(20) ? ";name=value" : ""
                    body += Array("\(String(part.count, radix: 16, uppercase: chance(50)))\(ext)\r\n".utf8) + part + Array("\r\n".utf8)
                }
                body += Array((chance(20) ? "0\r\nX-Trailer: t\r\n\r\n" : "0\r\n\r\n").utf8)
            } else {
                fields.append("Content-Length: \(text.utf8.count)")
                body = Array(text.utf8)
            }
        }
        fields.shuffle(using: &random)
        lines += fields
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    /// A base request with up to three mutations.
    mutating func next() -> [UInt8] {
        var bytes = base()
        let count = Int(random.next() % 4)
        for _ in 0..<count { mutate(&bytes) }
        return bytes
    }

    private mutating func headerLineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts: [Int] = []
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0D || bytes[index + 1] == 0x0A { break }  // end of head
                starts.append(index + 1)
            }
            index += 1
        }
        return starts
    }

    mutating func mutate(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let position = Int(random.next() % UInt64(bytes.count))
        let lineStarts = headerLineStarts(bytes)
        switch random.next() % 9 {
        case 0:
            bytes[position] = pick(Self.interestingBytes)
        case 1:
            bytes.insert(pick(Self.interestingBytes), at: position)
        case 2:
            bytes.remove(at: position)
        case 3:  // a header line repeated
            if let start = lineStarts.randomElement(using: &random), let end = bytes[start...].firstIndex(of: 0x0A) {
                bytes.insert(contentsOf: bytes[start...end], at: start)
            }
        case 4:  // a tricky line added
            if let start = lineStarts.randomElement(using: &random) {
                bytes.insert(contentsOf: Array((pick(Self.trickyLines) + "\r\n").utf8), at: start)
            }
        case 5:  // CRLF -> LF
            if let index = bytes.indices.dropFirst(position).first(where: { bytes[$0] == 0x0D && $0 + 1 < bytes.count && bytes[$0 + 1] == 0x0A }) {
                bytes.remove(at: index)
            }
        case 6:  // the version
            if let index = bytes.firstRange(of: Array("HTTP/1.".utf8)) {
                bytes.replaceSubrange(index.lowerBound..<min(bytes.count, index.upperBound + 1), with: Array(pick(["HTTP/1.0", "HTTP/1.1", "HTTP/1.2", "HTTP/2.0", "http/1.1", "HTTP/1.10", "HTTP/1"]).utf8))
            }
        case 7:  // a header name's case
            if let start = lineStarts.randomElement(using: &random) {
                var index = start
                while index < bytes.count, bytes[index] != 0x3A, bytes[index] != 0x0D {
                    if bytes[index] >= 0x61, bytes[index] <= 0x7A { bytes[index] -= 0x20 } else if bytes[index] >= 0x41, bytes[index] <= 0x5A { bytes[index] += 0x20 }
                    index += 1
                }
            }
        default:  // leading blank lines, or whitespace before a colon
            if chance(50) {
                bytes.insert(contentsOf: Array(pick(["\r\n", "\n", "\r\n\r\n", " "]).utf8), at: 0)
            } else if let start = lineStarts.randomElement(using: &random), let colon = bytes[start...].firstIndex(of: 0x3A) {
                bytes.insert(0x20, at: colon)
            }
        }
    }
}
