// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

/// Item 11 of issue 11: unfinished bodies across all connections share one budget, so
/// authenticated clients cannot make the server hold a body's worth of memory per connection.
@Suite struct BodyBudgetTests {
    static var limits: RequestLimits {
        var limits = RequestLimits()
        limits.maxBodyBytes = 4096
        limits.maxBufferedBodyBytes = 8192
        // The bodies here stay unfinished on purpose: no deadline may end them mid-test on a
        // slow machine.
        limits.headerTimeoutSeconds = 600
        limits.bodyTimeoutSeconds = 600
        return limits
    }

    static let check = #"{"user":"alice","action":"read","resource":"task"}"#

    /// A head announcing a 4,096-byte body and the first `sent` bytes of it.
    static func unfinished(sent: Int, chunked: Bool = false) -> String {
        let head = "POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\n"
        if chunked { return head + "Transfer-Encoding: chunked\r\n\r\n\(String(sent, radix: 16))\r\n" + String(repeating: " ", count: sent) + "\r\n" }
        return head + "Content-Length: 4096\r\n\r\n" + String(repeating: " ", count: sent)
    }

    /// Waits until the server has reserved `bytes` (each unfinished body is reserved when its
    /// head is read, which the client cannot observe otherwise).
    static func waitForReserved(_ bytes: Int, _ server: TestServer) async throws {
        for _ in 0..<3000 where server.server.state.bufferedBodyBytes != bytes { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.server.state.bufferedBodyBytes == bytes)
    }

    @Test("past the budget an unfinished body gets 503 and a close; finishing a body frees its share")
    func budgetBounds() async throws {
        try await withTestServer(limits: Self.limits) { server in
            let first = try server.connect()
            let second = try server.connect()
            try first.send(Self.unfinished(sent: 100))
            try second.send(Self.unfinished(sent: 100))
            try await Self.waitForReserved(8192, server)

            let third = try server.connect(receiveTimeoutSeconds: 20)
            try third.send(Self.unfinished(sent: 100))
            let busy = try third.readResponse()
            #expect(busy.status == 503)
            #expect(try busy.jsonObject()["code"] as? String == "server_busy")
            #expect(busy.closesConnection)
            #expect(third.waitForClose())

            // A body that arrives with its head needs no buffering: still answered.
            #expect(try server.request(.check("alice", "read", "task")).status == 200)

            // Finishing the first body answers it and frees its 4,096 bytes.
            let padded = Self.check + String(repeating: " ", count: 4096 - 100 - Self.check.utf8.count)
            try first.send(padded)
            #expect(try first.readResponse().bodyText == #"{"allow":true,"result":true}"#)
            try await Self.waitForReserved(4096, server)
            let fourth = try server.connect()
            try fourth.send(Self.unfinished(sent: 10))
            try await Self.waitForReserved(8192, server)

            // Closing a connection mid-body frees its share too.
            second.close()
            fourth.close()
            try await Self.waitForReserved(0, server)
        }
    }

    @Test("chunked bodies count against the same budget as they grow")
    func chunkedBodies() async throws {
        try await withTestServer(limits: Self.limits) { server in
            let first = try server.connect()
            let second = try server.connect()
            try first.send(Self.unfinished(sent: 4000, chunked: true))
            try second.send(Self.unfinished(sent: 4000, chunked: true))
            try await Self.waitForReserved(8000, server)
            let third = try server.connect(receiveTimeoutSeconds: 20)
            try third.send(Self.unfinished(sent: 1000, chunked: true))
            #expect(try third.readResponse().status == 503)
            first.close()
            second.close()
            try await Self.waitForReserved(0, server)
        }
    }

    @Test("at the defaults, 200 connections with unfinished 1 MiB bodies hold at most 64 MiB")
    func defaultBudget() async throws {
        // The default budget, with deadlines out of the way: under ThreadSanitizer the 200
        // bodies took long enough to send that their deadlines ended them (and freed the
        // budget) before it was measured.
        var limits = RequestLimits()
        limits.headerTimeoutSeconds = 600
        limits.bodyTimeoutSeconds = 600
        try await withTestServer(limits: limits) { server in
            var clients: [RawHTTPClient] = []
            var refused = 0
            for _ in 0..<200 {
                let client = try server.connect(receiveTimeoutSeconds: 5)
                try client.send("POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Length: 1048576\r\n\r\n{")
                clients.append(client)
            }
            try await Self.waitForReserved(64 << 20, server)
            for client in clients.suffix(100) where (try? client.readResponse())?.status == 503 { refused += 1 }
            #expect(refused > 0)
            #expect(server.server.state.bufferedBodyBytes <= 64 << 20)
            for client in clients { client.close() }
        }
    }
}
