// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

/// Item 13 of issue 11: RFC 9112 framing rules the parser used to bend. Each case is sent on
/// a real socket; each must be answered 400 (431 for oversized trailers) and closed, and the
/// server must keep serving.
@Suite struct HTTPStrictnessTests {
    static let body: String = #"{"user":"alice","action":"read","resource":"task"}"#
    static var length: Int { body.utf8.count }
    static let auth: String = "Authorization: Bearer test-key\r\n"

    static let rejected: [(name: String, request: String, status: Int)] = [
        ("Transfer-Encoding on HTTP/1.0", "POST /allowed HTTP/1.0\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n\(String(length, radix: 16))\r\n\(body)\r\n0\r\n\r\n", 400),
        ("a repeated Transfer-Encoding", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("bare LF after the request line", "GET /health HTTP/1.1\nHost: x\r\n\r\n", 400),
        ("bare LF after a header", "GET /health HTTP/1.1\r\nHost: x\n\r\n", 400),
        ("bare LF ending the head", "GET /health HTTP/1.1\r\nHost: x\r\n\n", 400),
        ("bare LF everywhere", "GET /health HTTP/1.1\nHost: x\n\n", 400),
        ("bare LF after a chunk size", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n\(String(length, radix: 16))\n\(body)\r\n0\r\n\r\n", 400),
        ("bare LF after chunk data", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n\(String(length, radix: 16))\r\n\(body)\n0\r\n\r\n", 400),
        ("bare LF after the last chunk", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n0\n\r\n", 400),
        ("bare LF ending the trailers", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\n", 400),
        ("a malformed trailer field", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n", 400),
        ("a control byte in a chunk extension", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n0;a=\u{1}\r\n\r\n", 400),
        ("no Host in HTTP/1.1", "GET /health HTTP/1.1\r\n\(auth)\r\n", 400),
        ("two Host fields", "GET /health HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 400),
        ("two Host fields in HTTP/1.0", "GET /health HTTP/1.0\r\nHost: x\r\nhost: y\r\n\r\n", 400),
        ("two Authorization fields", "POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\(auth)Content-Length: \(length)\r\n\r\n\(body)", 400),
        ("two equal Authorization fields", "GET /local/role_assignments HTTP/1.1\r\nHost: x\r\n\(auth)\(auth)\r\n", 400),
        ("101 trailer fields", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n0\r\n" + (0...100).map { "X-T\($0): v\r\n" }.joined() + "\r\n", 431),
        ("trailers over the head limit", "POST /allowed HTTP/1.1\r\nHost: x\r\n\(auth)Transfer-Encoding: chunked\r\n\r\n0\r\n" + (0..<30).map { "X-T\($0): \(String(repeating: "v", count: 600))\r\n" }.joined() + "\r\n", 431),
    ]

    @Test("lenient framing is 400 and closes the connection", arguments: 0..<rejected.count)
    func rejects(_ index: Int) async throws {
        let item = Self.rejected[index]
        try await withTestServer { server in
            let client = try server.connect()
            try client.send(item.request)
            let response = try client.readResponse()
            #expect(response.status == item.status, "\(item.name): \(response.status) \(response.bodyText)")
            #expect(response.closesConnection, "\(item.name)")
            #expect(client.waitForClose(), "\(item.name)")
            #expect(try server.request(.get("/health")).status == 200)
        }
    }

    @Test("the strict forms are still accepted: HTTP/1.0 without Host, chunked with valid trailers, extensions, leading zeros")
    func strictFormsAccepted() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            try client.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            let chunked = "POST /allowed HTTP/1.1\r\nHost: x\r\n\(Self.auth)Transfer-Encoding: chunked\r\n\r\n"
                + "000\(String(Self.length, radix: 16));name=value\r\n\(Self.body)\r\n0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n"
            try client.send(chunked)
            let response = try client.readResponse()
            #expect(response.bodyText == #"{"allow":true,"result":true}"#, "\(response.bodyText)")
            // Empty lines before a request (RFC 9112 §2.2) are still skipped.
            try client.send("\r\n" + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
    }
}
