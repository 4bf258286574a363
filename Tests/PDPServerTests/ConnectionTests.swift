// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

@Suite struct ConnectionTests {
    static let allowBody = #"{"allow":true,"result":true}"#
    static let denyBody = #"{"allow":false,"result":false}"#

    @Test("100 requests on one keep-alive connection")
    func keepAlive() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for index in 0..<100 {
                let allowed = index % 2 == 0
                let response = try client.roundTrip(.check(allowed ? "alice" : "dave", "read", "task"))
                #expect(response.status == 200)
                #expect(!response.closesConnection)
                #expect(response.bodyText == (allowed ? Self.allowBody : Self.denyBody), "request \(index)")
            }
        }
    }

    @Test("20 requests pipelined in one write are answered in order")
    func pipelining() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            // Each bulk request carries `index + 1` items, so every answer identifies its request.
            var bytes: [UInt8] = []
            var expected: [String] = []
            for index in 0..<20 {
                if index % 5 == 4 {
                    bytes += HTTPRequest.get("/health").bytes
                    expected.append(#"{"status":"ok"}"#)
                } else {
                    let decisions = (0...index).map { ($0 + index) % 3 == 0 }
                    let items = decisions.map { BulkEndpointTests.item($0 ? "alice" : "zed", "read", "task") }
                    bytes += HTTPRequest.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]").bytes
                    expected.append(BulkEndpointTests.expectedBody(decisions))
                }
            }
            try client.send(bytes)
            for (index, body) in expected.enumerated() {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.bodyText == body, "response \(index)")
            }
            // Still in sync afterwards.
            #expect(try client.roundTrip(.check("alice", "read", "task")).bodyText == Self.allowBody)
        }
    }

    @Test("empty lines before and between requests are skipped, also when they arrive alone")
    func emptyLinesBetweenRequests() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let check = HTTPRequest.check("alice", "read", "task").bytes
            try client.send(Array("\r\n\n".utf8) + check + Array("\r\n".utf8) + check)
            for _ in 0..<2 { #expect(try client.readResponse().bodyText == Self.allowBody) }
            // Blank lines in a read of their own, then the request in two parts.
            try client.send(Array("\r\n".utf8))
            try client.send(Array(check[..<10]))
            try client.send(Array(check[10...]))
            #expect(try client.readResponse().bodyText == Self.allowBody)
        }
    }

    @Test("pipelined requests answered early (401, 403) or late (413) keep their order")
    func pipelinedEarlyAnswers() async throws {
        var limits = RequestLimits()
        limits.maxBodyBytes = 1024
        try await withTestServer(limits: limits) { server in
            let client = try server.connect()
            let body = #"{"user":"alice","action":"read","resource":"task"}"#
            var bytes = HTTPRequest.post("/allowed", body).bytes
            bytes += HTTPRequest.post("/allowed", body, authorization: nil).bytes  // 401 before its body is read
            bytes += HTTPRequest.post("/allowed/bulk", "[" + body + "]", authorization: "Bearer nope").bytes
            bytes += HTTPRequest.make("HEAD", "/health").bytes
            bytes += HTTPRequest.post("/allowed", body).bytes
            bytes += HTTPRequest.post("/allowed", String(repeating: " ", count: 2000) + body).bytes  // 413, then close
            bytes += HTTPRequest.post("/allowed", body).bytes  // never answered
            try client.send(bytes)
            #expect(try client.readResponse().bodyText == Self.allowBody)
            #expect(try client.readResponse().status == 401)
            #expect(try client.readResponse().status == 403)
            let head = try client.readResponse(isHEAD: true)
            #expect(head.status == 200 && head.body.isEmpty)
            #expect(try client.readResponse().bodyText == Self.allowBody)
            let tooLarge = try client.readResponse()
            #expect(tooLarge.status == 413)
            #expect(tooLarge.closesConnection)
            #expect(client.readsEOF())
        }
    }

    @Test("Connection: close is honoured")
    func connectionClose() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let request = HTTPRequest.make("POST", "/allowed", body: #"{"user":"alice","action":"read","resource":"task"}"#, headers: [("Connection", "close")])
            let response = try client.roundTrip(request)
            #expect(response.bodyText == Self.allowBody)
            #expect(response.closesConnection)
            #expect(client.readsEOF())
        }
    }

    @Test("HTTP/1.0 closes unless keep-alive is asked for")
    func http10() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let response = try client.roundTrip(.make("GET", "/health", version: "HTTP/1.0"))
            #expect(response.version == "HTTP/1.0")
            #expect(response.status == 200)
            #expect(response.bodyText == #"{"status":"ok"}"#)
            #expect(client.readsEOF())

            let keepAlive = try server.connect()
            let first = try keepAlive.roundTrip(.make("GET", "/health", headers: [("Connection", "keep-alive")], version: "HTTP/1.0"))
            #expect(first.status == 200)
            #expect(!first.closesConnection)
            #expect(try keepAlive.roundTrip(.make("GET", "/healthy", version: "HTTP/1.0")).status == 200)
            #expect(keepAlive.readsEOF())
        }
    }

    @Test("with maxConnections = 2 held by authenticated clients a third connection is closed at once; a freed slot is reused")
    func connectionLimit() async throws {
        var limits = RequestLimits()
        limits.maxConnections = 2
        try await withTestServer(limits: limits) { server in
            // Each is served (so accepted, counted, and proven by its authenticated request)
            // before the next opens: an unproven one would be evicted for the next.
            let first = try server.connect()
            #expect(try first.roundTrip(.get("/health")).status == 200)
            let second = try server.connect()
            #expect(try second.roundTrip(.get("/health")).status == 200)

            let third = try server.connect()
            try? third.send(HTTPRequest.get("/health").bytes)
            #expect(throws: RawHTTPError.closed(bytesReceived: 0)) { try third.readResponse() }

            // The admitted connections keep working.
            #expect(try first.roundTrip(.get("/health")).status == 200)

            // Once one closes, a new connection is admitted. The server notices the close
            // asynchronously, so retry a bounded number of times (each try is a round trip).
            second.closeFromServerSide()
            #expect(second.readsEOF())
            var admitted = false
            for _ in 0..<200 where !admitted {
                let next = try server.connect()
                try? next.send(HTTPRequest.get("/health").bytes)
                admitted = (try? next.readResponse())?.status == 200
            }
            #expect(admitted)
        }
    }

    @Test("an idle connection is closed after idleTimeoutSeconds")
    func idleTimeout() async throws {
        var limits = RequestLimits()
        limits.idleTimeoutSeconds = 1
        try await withTestServer(limits: limits) { server in
            let client = try server.connect(receiveTimeoutSeconds: 15)
            #expect(try client.roundTrip(.get("/health")).status == 200)
            let start = ContinuousClock.now
            // Blocks in recv until the server closes the idle connection (or 15 s pass).
            #expect(client.readsEOF())
            #expect(ContinuousClock.now - start < .seconds(10))

            let silent = try server.connect(receiveTimeoutSeconds: 15)
            #expect(silent.readsEOF())
        }
    }
}

extension RawHTTPClient {
    /// Sends `Connection: close` on a health request and reads the answer, so the server
    /// closes its side first.
    func closeFromServerSide() {
        _ = try? roundTrip(.make("GET", "/health", headers: [("Connection", "close")]))
    }
}
