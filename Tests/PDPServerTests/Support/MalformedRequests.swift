// SPDX-License-Identifier: Apache-2.0
import TestSupport

/// One fuzz request and how it must be sent.
struct FuzzCase {
    enum Framing {
        /// Well-framed (`Content-Length` matches): the server must answer, and the
        /// connection may be reused afterwards unless the answer closes it.
        case framed
        /// Anything goes: sent on a fresh connection that is then half-closed, so the
        /// server sees the end of input instead of waiting for more bytes.
        case unframed
    }

    var kind: String
    var framing: Framing
    var bytes: [UInt8]
}

/// Builds malformed requests from valid ones: truncations, byte mutations, deep nesting,
/// huge strings, invalid UTF-8, random bytes, broken chunked framing, NUL bytes in headers.
struct MalformedRequests {
    var random: SplitMix64

    static let validBodies: [(path: String, body: String)] = [
        ("/allowed", #"{"user":{"key":"alice","first_name":"A","roles":[{"Role":"admin","Tenant":"default"}]},"action":"read","resource":{"type":"task","key":"1","tenant":"default","context":{"tenant":"default"}},"context":{}}"#),
        ("/allowed?debug=true", #"{"user":"bob","action":"readall","resource":"task:9"}"#),
        ("/allowed/bulk", #"[{"user":"alice","action":"read","resource":"task"},{"user":{"key":"bob"},"action":"update","resource":{"type":"task","id":"4","tenant":"acme"}}]"#),
        ("/allowed/all-tenants", #"{"user":{"key":"bob"},"action":"read","resource":{"type":"task"}}"#),
        ("/user-permissions", #"{"user":{"key":"bob"},"tenants":["acme"],"resources":["task:42"],"resource_types":null}"#),
        ("/authorized_users", #"{"action":"read","resource":{"type":"task","tenant":"acme"},"context":{}}"#),
        ("/user-tenants", #"{"user":{"key":"bob"},"context":{}}"#),
    ]

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &random) }
    mutating func chance(_ percent: Int) -> Bool { int(0..<100) < percent }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }

    mutating func next() -> FuzzCase {
        let (path, body) = Self.validBodies[int(0..<Self.validBodies.count)]
        switch int(0..<12) {
        case 0:
            return framed("truncated", path, Array(Array(body.utf8).prefix(int(0..<body.utf8.count))))
        case 1, 2:
            return framed("mutated", path, mutate(Array(body.utf8), times: 1 + int(0..<8)))
        case 3:
            let depth = chance(50) ? 10_000 : int(60..<70)
            let open = chance(50) ? "[" : #"{"a":"#
            let nested = #"{"user":"# + String(repeating: open, count: depth) + (chance(50) ? "1" : "")
            return framed("deeply nested", path, Array((chance(50) ? String(repeating: "[", count: depth) : nested).utf8))
        case 4:
            let huge = String(repeating: chance(50) ? "a" : "\\u00e9", count: int(10_000..<80_000))
            return framed("huge string", path, Array(#"{"user":{"key":"\#(huge)"},"action":"read","resource":"task"}"#.utf8))
        case 5:
            var bytes = Array(body.utf8)
            for _ in 0..<(1 + int(0..<4)) {
                let invalid: [[UInt8]] = [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0x00]]
                bytes.insert(contentsOf: invalid[int(0..<invalid.count)], at: int(0..<bytes.count))
            }
            return framed("invalid UTF-8", path, bytes)
        case 6:
            return FuzzCase(kind: "random bytes", framing: .unframed, bytes: bytes(int(1..<2048)))
        case 7:
            return FuzzCase(kind: "broken chunked", framing: .unframed, bytes: brokenChunked(path, body))
        case 8:
            var head = "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Length: \(body.utf8.count)\r\n"
            head.insert("\0", at: head.index(head.startIndex, offsetBy: int(0..<head.count)))
            return FuzzCase(kind: "NUL in head", framing: .unframed, bytes: Array((head + "\r\n" + body).utf8))
        case 9:
            let request = HTTPRequest.post(path, body).bytes
            return FuzzCase(kind: "mutated request", framing: .unframed, bytes: mutate(request, times: 1 + int(0..<6)))
        case 10:
            let declared = body.utf8.count + (chance(50) ? int(1..<100) : -int(1..<min(20, body.utf8.count)))
            let head = "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Length: \(declared)\r\n\r\n"
            return FuzzCase(kind: "wrong Content-Length", framing: .unframed, bytes: Array((head + body).utf8))
        default:
            let methods = ["GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "BREW", "get", ""]
            let targets = ["/allowed", "/health", "/local/role_assignments?page=\(int(-2..<3))&per_page=\(int(-5..<300))&user=%ZZ%",
                           "*", "http://x/allowed", "/%00", "/" + String(repeating: "a", count: int(0..<3000))]
            let versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", "FOO"]
            let request = "\(methods[int(0..<methods.count)]) \(targets[int(0..<targets.count)]) \(versions[int(0..<versions.count)])\r\nHost: x\r\nAuthorization: \(chance(70) ? "Bearer test-key" : "Basic x")\r\n\r\n"
            return FuzzCase(kind: "odd request line", framing: .unframed, bytes: Array(request.utf8))
        }
    }

    private func framed(_ kind: String, _ path: String, _ body: [UInt8]) -> FuzzCase {
        FuzzCase(kind: kind, framing: .framed, bytes: HTTPRequest.make("POST", path, bodyBytes: body).bytes)
    }

    private mutating func mutate(_ input: [UInt8], times: Int) -> [UInt8] {
        var bytes = input
        for _ in 0..<times where !bytes.isEmpty {
            let index = int(0..<bytes.count)
            switch int(0..<4) {
            case 0: bytes[index] = byte()
            case 1: bytes.remove(at: index)
            case 2: bytes.insert(byte(), at: index)
            default:
                let structural = Array(#"{}[],:"\ "#.utf8)
                bytes[index] = structural[int(0..<structural.count)]
            }
        }
        return bytes
    }

    private mutating func brokenChunked(_ path: String, _ body: String) -> [UInt8] {
        let head = "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nTransfer-Encoding: chunked\r\n\r\n"
        let size = String(body.utf8.count, radix: 16)
        let variants = [
            "zz\r\n\(body)\r\n0\r\n\r\n",  // not hex
            "\(size)\r\n\(body)0\r\n\r\n",  // missing CRLF after data
            "\(String(body.utf8.count + 7, radix: 16))\r\n\(body)\r\n0\r\n\r\n",  // size too large
            "-1\r\n\(body)\r\n0\r\n\r\n",
            "\(size)\r\n\(body)\r\n",  // no last chunk
            "ffffffffffffffffff\r\n\(body)\r\n0\r\n\r\n",  // size overflow
            "\(size);ext=\"\r\n\(body)\r\n0\r\n\r\n",
            "\(size)\n\(body)\n0\n\n",  // bare LF
        ]
        return Array((head + variants[int(0..<variants.count)]).utf8)
    }
}
