// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import Testing

@testable import PDPServer

@Suite struct ResponseFramingTests {
    func framed(
        _ body: String, status: HTTPResponseStatus = .ok, version: HTTPVersion = .http1_1, keepAlive: Bool = true,
        omitBody: Bool = false, allow: String? = nil, headroom: Bool = true
    ) -> String {
        let allocator = ByteBufferAllocator()
        var buffer = headroom ? allocator.responseBuffer(capacity: body.utf8.count) : allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        ResponseFraming.frame(
            status: status, body: &buffer, version: version, keepAlive: keepAlive, omitBody: omitBody, allow: allow,
            allocator: allocator)
        return String(buffer: buffer)
    }

    @Test("a 200 keep-alive answer carries its exact length, with or without headroom in front of the body")
    func okAnswers() {
        for length in [0, 1, 9, 10, 99, 100, 999, 1_000, 12_345, 100_000] {
            let body = String(repeating: "x", count: length)
            let expected = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: \(length)\r\n\r\n" + body
            #expect(framed(body) == expected, "length \(length)")
            #expect(framed(body, headroom: false) == expected, "length \(length), no headroom")
        }
    }

    @Test("other statuses, HTTP/1.0, closing, HEAD and 405 answers get their own head lines")
    func otherAnswers() {
        let body = #"{"a":1}"#
        #expect(framed(body, status: .notFound) == "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n" + body)
        #expect(framed(body, version: .http1_0) == "HTTP/1.0 200 OK\r\ncontent-type: application/json\r\ncontent-length: 7\r\nconnection: keep-alive\r\n\r\n" + body)
        #expect(framed(body, keepAlive: false) == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 7\r\nconnection: close\r\n\r\n" + body)
        #expect(framed(body, omitBody: true) == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n")
        #expect(
            framed(body, status: .methodNotAllowed, allow: "GET, HEAD")
                == "HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: 7\r\nallow: GET, HEAD\r\n\r\n" + body)
    }
}
