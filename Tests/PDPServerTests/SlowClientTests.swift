// SPDX-License-Identifier: Apache-2.0
import PDPServer
import Testing

/// Item 6 of issue 11 (slowloris): deadlines for heads and bodies that trickled bytes cannot
/// extend, and connection slots that trickling clients cannot keep from real ones.
@Suite struct SlowClientTests {
    static var fastDeadlines: RequestLimits {
        var limits = RequestLimits()
        limits.headerTimeoutSeconds = 1
        limits.bodyTimeoutSeconds = 1
        limits.minBodyBytesPerSecond = 1024
        return limits
    }

    /// Sends `bytes` one at a time, `interval` apart, until they run out or the server
    /// closes; returns how many it sent and what the server answered.
    ///
    /// Counting bytes rather than timing the server: the test's own pace slows down when the
    /// machine is loaded (these blocking sockets share the cooperative threads), while the
    /// server's deadline runs on its own threads; either way the server must cut the request
    /// off long before the client has sent it all.
    static func trickle(_ bytes: [UInt8], every interval: Duration, on client: RawHTTPClient) async -> (sent: Int, HTTPResponse?) {
        var sent = 0
        for byte in bytes {
            do { try client.send([byte]) } catch { break }
            sent += 1
            try? await Task.sleep(for: interval)  // the trickle itself: the pace is the test's input
        }
        let response = try? client.readResponse()
        _ = client.waitForClose()
        return (sent, response)
    }

    @Test("a head trickled a byte at a time gets 408 after the header timeout, not the idle timeout")
    func headDeadline() async throws {
        try await withTestServer(limits: Self.fastDeadlines) { server in
            let client = try server.connect(receiveTimeoutSeconds: 15)
            // 200 bytes at 50 ms: 10 s of trickling, each byte well inside the 60 s idle
            // timeout; the 1 s header deadline (checked every 0.5 s) ends it after ~30 bytes.
            let head = Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "a", count: 200))\r\n\r\n".utf8)
            let (sent, response) = await Self.trickle(head, every: .milliseconds(50), on: client)
            #expect(response?.status == 408)
            #expect(sent < head.count * 3 / 4, "sent \(sent) of \(head.count) bytes before the server cut it off")
        }
    }

    @Test("a connection that sends nothing is closed after the header timeout")
    func silentConnection() async throws {
        try await withTestServer(limits: Self.fastDeadlines) { server in
            let client = try server.connect(receiveTimeoutSeconds: 45)
            let start = ContinuousClock.now
            #expect(client.readsEOF())
            // 1 to 1.5 s on an idle machine; the bound only has to tell it from the 60 s idle timeout.
            #expect(ContinuousClock.now - start < .seconds(30))
        }
    }

    @Test("a body slower than the minimum rate gets 408; one at a fair pace is answered")
    func bodyDeadline() async throws {
        try await withTestServer(limits: Self.fastDeadlines) { server in
            let slow = try server.connect(receiveTimeoutSeconds: 15)
            try slow.send("POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Length: 5000\r\n\r\n")
            // 20 bytes/s: the deadline (1 s + received / 1,024 s) ends it after ~30 bytes.
            let (sent, response) = await Self.trickle(Array(repeating: 0x20, count: 200), every: .milliseconds(50), on: slow)
            #expect(response?.status == 408)
            #expect(sent < 150, "sent \(sent) of 200 body bytes before the server cut it off")

            // 2,000 bytes in ten pieces 50 ms apart, 4 KB/s: inside the 1 s grace even if the
            // machine runs this client at a third of the pace.
            let fair = try server.connect(receiveTimeoutSeconds: 15)
            let body = #"{"user":"alice","action":"read","resource":"task"}"# + String(repeating: " ", count: 2000 - 50)
            try fair.send("POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Length: 2000\r\n\r\n")
            for piece in stride(from: 0, to: 2000, by: 200) {
                try fair.send(Array(Array(body.utf8)[piece..<piece + 200]))
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try fair.readResponse().bodyText == #"{"allow":true,"result":true}"#)
        }
    }

    /// Opens `count` connections, one after the other, that each make an unauthenticated
    /// health request (so each is admitted before the next opens, without proving it), then
    /// send the start of a head and stall.
    static func stalledClients(_ count: Int, server: TestServer) throws -> [RawHTTPClient] {
        try (0..<count).map { _ in
            let client = try server.connect(receiveTimeoutSeconds: 15)
            #expect(try client.roundTrip(.get("/health", authorization: nil)).status == 200)
            try client.send("POST /allowed HTTP/1.1\r\nHost: x\r\n")
            return client
        }
    }

    @Test(
        "stalled clients at and past maxConnections cannot lock out a real client",
        arguments: [(1, nil), (3, nil), (1, 16), (3, 16)] as [(Int, Int?)])
    func noLockout(_ multiple: Int, unauthenticated: Int?) async throws {
        var limits = RequestLimits()
        limits.headerTimeoutSeconds = 600  // eviction alone must do it, however slow the machine
        limits.maxConnections = 16
        limits.maxUnauthenticatedConnections = unauthenticated
        try await withTestServer(limits: limits) { server in
            var stalled = try Self.stalledClients(16 * multiple, server: server)
            #expect(server.server.state.unauthenticatedConnectionCount == limits.unauthenticatedConnectionLimit)
            var real: [RawHTTPClient] = []
            for round in 0..<4 {
                let client = try server.connect(receiveTimeoutSeconds: 5)
                for _ in 0..<3 {
                    #expect(try client.roundTrip(.check("alice", "read", "task")).status == 200, "round \(round)")
                }
                real.append(client)
                stalled += try Self.stalledClients(16, server: server)
                // Real clients' connections, proven by their requests, are never evicted.
                for client in real { #expect(try client.roundTrip(.check("alice", "read", "task")).status == 200, "round \(round)") }
            }
            #expect(server.server.state.unauthenticatedConnectionCount <= limits.unauthenticatedConnectionLimit)
            #expect(server.server.state.openConnectionCount <= limits.maxConnections)
            for client in stalled + real { client.close() }
        }
    }

    @Test("unproven connections hold at most their share; when every slot is proven new ones are refused")
    func provenSlotsAreKept() async throws {
        var limits = RequestLimits()
        limits.headerTimeoutSeconds = 600
        limits.maxConnections = 4
        limits.maxUnauthenticatedConnections = 2
        try await withTestServer(limits: limits) { server in
            let stalled = try Self.stalledClients(10, server: server)
            // The oldest eight were evicted for newer ones: they read end of input.
            for client in stalled.prefix(8) { #expect(client.readsEOF()) }
            #expect(server.server.state.unauthenticatedConnectionCount == 2)

            var real: [RawHTTPClient] = []
            for _ in 0..<4 {
                let client = try server.connect()
                #expect(try client.roundTrip(.get("/local/role_assignments")).status == 200)
                real.append(client)
            }
            for client in stalled.suffix(2) { #expect(client.readsEOF(), "evicted for the real clients") }
            // Every slot proven: a newcomer is refused, the real clients keep working.
            let late = try server.connect()
            try? late.send(HTTPRequest.get("/health").bytes)
            #expect(throws: RawHTTPError.closed(bytesReceived: 0)) { try late.readResponse() }
            for client in real { #expect(try client.roundTrip(.get("/health")).status == 200) }
        }
    }

    @Test("a health probe without the key does not prove a connection")
    func unauthenticatedProbeIsNotProof() async throws {
        var limits = RequestLimits()
        limits.headerTimeoutSeconds = 600
        limits.maxConnections = 2
        limits.maxUnauthenticatedConnections = 1
        try await withTestServer(limits: limits) { server in
            let probe = try server.connect()
            #expect(try probe.roundTrip(.get("/health", authorization: nil)).status == 200)
            let real = try server.connect()
            #expect(try real.roundTrip(.check("alice", "read", "task")).status == 200)
            #expect(probe.readsEOF(), "the unauthenticated probe's slot went to the newcomer")
        }
    }
}
