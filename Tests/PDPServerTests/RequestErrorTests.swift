// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

@Suite struct RequestErrorTests {
    static var smallLimits: RequestLimits {
        var limits = RequestLimits()
        limits.maxBodyBytes = 4096
        limits.maxBulkChecks = 5
        limits.maxHeaderBytes = 2048
        return limits
    }

    @Test("malformed JSON is 400 invalid_json with a detail, and the connection stays usable")
    func malformedJSON() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let bodies = [#"{"user":"#, "", "nope", #"{"user":"alice",}"#, #"{"user":"alice"} trailing"#, "[1,2", "{\"user\":\"\u{1}\"}",
                          #"{"user":1,"#, #"{"user":"alice","action":"read","resource":"task""#, "tru", #"{"user":"\q"}"#]
            // Malformed JSON is 400 even when a wrong shape shows before the bad syntax.
            for (index, body) in bodies.enumerated() {
                let path = ["/allowed", "/allowed/bulk", "/user-permissions", "/authorized_users", "/user-tenants", "/allowed/all-tenants"][index % 6]
                let response = try client.roundTrip(.post(path, body))
                #expect(response.status == 400, "\(path) \(body.debugDescription): \(response.bodyText)")
                #expect(response.header("content-type") == "application/json")
                let json = try response.jsonObject()
                #expect(json["code"] as? String == "invalid_json")
                #expect((json["detail"] as? String)?.isEmpty == false)
            }
            #expect(try decision(#"{"user":"alice","action":"read","resource":"task"}"#, on: client) == true)
        }
    }

    @Test("schema errors are 422 and name the field")
    func schemaErrors() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let valid = #"{"user":"alice","action":"read","resource":"task"}"#
            let cases: [(path: String, body: String, field: String)] = [
                ("/allowed", #"{"action":"read","resource":"task"}"#, "user"),
                ("/allowed", #"{"user":"alice","action":7,"resource":"task"}"#, "action"),
                ("/allowed", #"{"user":"alice","action":"read","resource":["task"]}"#, "resource"),
                ("/allowed", #"{"user":{"name":"alice"},"action":"read","resource":"task"}"#, "user.key"),
                ("/allowed", #"{"user":"alice","action":"read","resource":{"key":"1"}}"#, "resource.type"),
                ("/allowed", "[]", ""),
                ("/allowed/all-tenants", #"{"user":"alice","resource":"task"}"#, "action"),
                ("/user-permissions", #"{"tenants":["acme"]}"#, "user"),
                ("/user-permissions", #"{"user":"bob","tenants":["acme",3]}"#, "tenants[1]"),
                ("/authorized_users", #"{"action":"read"}"#, "resource"),
                ("/user-tenants", #"{"user":42}"#, "user"),
            ]
            for item in cases {
                let response = try client.roundTrip(.post(item.path, item.body))
                #expect(response.status == 422, "\(item.body): \(response.bodyText)")
                #expect(response.header("content-type") == "application/json")
                let json = try response.jsonObject()
                #expect(json["code"] as? String == "invalid_request")
                #expect((json["detail"] as? String)?.isEmpty == false)
                if !item.field.isEmpty {
                    #expect(json["field"] as? String == item.field, "\(item.body): \(response.bodyText)")
                }
            }
            let bulk = "[" + Array(repeating: valid, count: 3).joined(separator: ",") + #",{"user":"alice","action":false,"resource":"task"}]"#
            let response = try client.roundTrip(.post("/allowed/bulk", bulk))
            #expect(response.status == 422)
            let field = try #require(try response.jsonObject()["field"] as? String)
            #expect(field == "[3].action")
        }
    }

    @Test("a Content-Length over maxBodyBytes is 413 and the connection is closed")
    func largeContentLength() async throws {
        try await withTestServer(limits: Self.smallLimits) { server in
            let client = try server.connect()
            try client.send("POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.closesConnection)
            #expect(try response.jsonObject()["code"] as? String == "body_too_large")
            #expect(client.readsEOF())

            // A body of exactly maxBodyBytes is accepted.
            let prefix = #"{"user":"alice","action":"read","resource":"task","pad":""#
            let padded = prefix + String(repeating: "x", count: 4096 - prefix.utf8.count - 2) + #""}"#
            #expect(padded.utf8.count == 4096)
            #expect(try server.request(.post("/allowed", padded)).bodyText == #"{"allow":true,"result":true}"#)
        }
    }

    @Test("a chunked body streaming past maxBodyBytes is 413 and the connection is closed")
    func largeChunkedBody() async throws {
        try await withTestServer(limits: Self.smallLimits) { server in
            let client = try server.connect()
            var request = "POST /allowed/bulk HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nTransfer-Encoding: chunked\r\n\r\n"
            // Five 1,000-byte chunks: 5,000 bytes > 4,096, and no terminating chunk.
            for _ in 0..<5 { request += "3e8\r\n" + String(repeating: " ", count: 1000) + "\r\n" }
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.closesConnection)
            #expect(client.readsEOF())

            // A chunked body under the limit is read in full and answered.
            let small = try server.connect()
            let body = #"{"user":"alice","action":"read","resource":"task"}"#
            let hex = String(body.utf8.count - 10, radix: 16)
            try small.send("POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a\r\n\(body.prefix(10))\r\n\(hex)\r\n\(body.dropFirst(10))\r\n0\r\n\r\n")
            #expect(try small.readResponse().bodyText == #"{"allow":true,"result":true}"#)
        }
    }

    @Test("more than maxBulkChecks items is 413 too_many_items")
    func tooManyBulkItems() async throws {
        try await withTestServer(limits: Self.smallLimits) { server in
            let item = #"{"user":"alice","action":"read","resource":"task"}"#
            let five = try server.request(.post("/allowed/bulk", "[" + Array(repeating: item, count: 5).joined(separator: ",") + "]"))
            #expect(five.status == 200)
            let six = try server.request(.post("/allowed/bulk", "[" + Array(repeating: item, count: 6).joined(separator: ",") + "]"))
            #expect(six.status == 413)
            #expect(try six.jsonObject()["code"] as? String == "too_many_items")
        }
    }

    @Test("headers over maxHeaderBytes get an error status or a close, never a hang")
    func largeHeaders() async throws {
        try await withTestServer(limits: Self.smallLimits) { server in
            for size in [3_000, 20_000, 200_000] {
                let client = try server.connect()
                try? client.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: size))\r\n\r\n")
                do {
                    let response = try client.readResponse()
                    #expect([400, 431].contains(response.status), "\(size): \(response.status)")
                    #expect(client.waitForClose())
                } catch RawHTTPError.closed {
                    // Closed without an answer: acceptable.
                }
            }
            let manyHeaders = try server.connect()
            let headers = (0..<200).map { "X-H\($0): v\r\n" }.joined()
            try? manyHeaders.send("GET /health HTTP/1.1\r\nHost: x\r\n\(headers)\r\n")
            if let response = try? manyHeaders.readResponse() {
                #expect([400, 431].contains(response.status))
            }
            #expect(manyHeaders.waitForClose())
            #expect(try server.request(.get("/health")).status == 200)
        }
    }
}
