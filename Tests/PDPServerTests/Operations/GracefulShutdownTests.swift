// SPDX-License-Identifier: Apache-2.0
@testable import PDPServer
import Testing

/// Graceful shutdown on real sockets: the listener closes, a request under way is answered
/// with `connection: close`, idle keep-alive connections close, and whatever is still open at
/// the shutdown timeout is closed then. (SIGTERM under load against the real binary:
/// Tests/compat/test_operations.py.)
@Suite struct GracefulShutdownTests {
    @Test("a request under way when shutdown begins is answered, with connection: close, then closed")
    func requestInFlightIsAnswered() async throws {
        // No body deadline may fire while the suite's other tests starve this one.
        var limits = RequestLimits()
        limits.bodyTimeoutSeconds = 600
        try await withTestServer(limits: limits, configure: { $0.shutdownTimeout = .seconds(30) }) { server in
            let idle = try server.connect()
            #expect(try idle.roundTrip(.check("alice", "read", "task")).status == 200)
            let busy = try server.connect()
            #expect(try busy.roundTrip(.check("alice", "read", "task")).status == 200)
            // Half a request: the head and part of the body.
            let request = HTTPRequest.check("alice", "read", "task").bytes
            try busy.send(Array(request.dropLast(10)))
            #expect(server.server.state.connections.openCount == 2)

            // Shutdown's two steps, each done before this thread blocks on a socket: a task
            // started now could wait for a thread of the cooperative pool while the suite's
            // other tests hold them in blocking reads.
            try await server.server.stop()
            #expect(server.server.beginDraining() == 2)
            // The idle connection is closed (after a short grace), the listener is gone. (Not
            // probed by connecting: in a parallel suite the freed port may already be another
            // test's. Refused connections after SIGTERM: Tests/compat/test_operations.py.)
            #expect(idle.waitForClose())
            #expect(!server.server.isAccepting)
            // The rest of the body arrives after the shutdown began: the request is answered.
            try busy.send(Array(request.suffix(10)))
            let response = try busy.readResponse()
            #expect(response.status == 200)
            #expect(response.closesConnection)
            #expect(busy.readsEOF())
            await server.server.finishDraining()
            #expect(server.server.state.connections.openCount == 0)
        }
    }

    // Without the deadline, shutdown would wait for the body timeout, set to an hour here:
    // the time limit fails the test then.
    @Test("a connection still busy at the shutdown timeout is closed then, and shutdown returns", .timeLimit(.minutes(1)))
    func deadline() async throws {
        var limits = RequestLimits()
        limits.bodyTimeoutSeconds = 3600
        try await withTestServer(limits: limits, configure: { $0.shutdownTimeout = .milliseconds(300) }) { server in
            let stuck = try server.connect()
            #expect(try stuck.roundTrip(.check("alice", "read", "task")).status == 200)
            try stuck.send(Array(HTTPRequest.check("alice", "read", "task").bytes.dropLast(5)))
            let started = ContinuousClock.now
            try await server.server.shutdownGracefully()
            let took = ContinuousClock.now - started
            #expect(took >= .milliseconds(300), "\(took)")
            #expect(stuck.waitForClose())
            #expect(server.server.state.connections.openCount == 0)
        }
    }

    @Test("with no connection open, shutdown returns", .timeLimit(.minutes(1)))
    func nothingOpen() async throws {
        try await withTestServer(configure: { $0.shutdownTimeout = .seconds(30) }) { server in
            #expect(try server.request(.check("alice", "read", "task")).status == 200)
            // `request` closed its connection; the server may see that a moment later.
            try await server.server.shutdownGracefully()
            #expect(server.server.state.connections.openCount == 0)
        }
    }
}
