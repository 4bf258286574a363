// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPLoad
import Testing

/// `pdp load`'s generator threads against servers that answer slowly, in pieces, not at all,
/// or not in HTTP: every request ends up counted once, as an answer or as an error with its
/// reason, and the run ends on time.
@Suite struct ScriptedServerTests {
    func run(against server: ScriptedServer, _ adjust: (inout LoadConfiguration) -> Void = { _ in }) async throws -> LoadReport {
        var configuration = LoadConfiguration(target: TargetURL(host: "127.0.0.1", port: server.port))
        configuration.connections = 2
        configuration.threads = 1
        configuration.durationSeconds = 0.5
        // Far past anything these servers do on purpose: a thread of theirs that a loaded
        // machine leaves unscheduled for seconds must not turn into a timeout here.
        configuration.requestTimeoutSeconds = 60
        adjust(&configuration)
        return try await LoadRunner(configuration: configuration, workload: Self.workload).run()
    }

    /// One check, unverified: these servers answer allow to anything. (Not a generated
    /// workload: compiling a policy and generating checks costs seconds of a cooperative thread
    /// in a debug build, which the suite's timing-sensitive tests share.)
    static let workload = Workload(checks: [
        WorkloadCheck(
            request: nil,
            body: #"{"user":{"key":"alice"},"action":"read","resource":{"type":"task","tenant":"default"},"context":{}}"#)
    ])

    // The time limit is the "still ends": a generator waiting on a silent server forever would
    // hang here. (Wall-clock bounds tighter than that measured the suite's cooperative threads,
    // which the run's continuation resumes on, not the generator.)
    @Test("a server that never answers: each request times out, and the run still ends", .timeLimit(.minutes(1)))
    func silentServerTimesOut() async throws {
        let server = try ScriptedServer(.silent)
        defer { server.stop() }
        let report = try await run(against: server) { $0.requestTimeoutSeconds = 0.15 }
        #expect(report.requests == 0)
        // 0.5 s of load at one request per 0.15-0.25 s (the timeout, checked every 0.1 s) on each
        // of 2 connections, 6 as a rule; at least one each however late the thread runs.
        #expect((2...8).contains(report.timeouts), "\(report.table())")
        #expect(report.errorReasons == ["no answer within the --timeout": report.timeouts])
        // A timed-out request's connection is dropped: the next request goes on a new one.
        #expect(server.accepted >= report.timeouts)
    }

    @Test("a server that hangs up before answering: connection errors with the reason, then new connections")
    func hangUpIsAConnectionError() async throws {
        let server = try ScriptedServer(.hangUp)
        defer { server.stop() }
        let report = try await run(against: server) { $0.durationSeconds = 0.3 }
        #expect(report.requests == 0)
        #expect(report.connectionErrors >= 2, "\(report.table())")
        #expect(report.errorReasons == ["connection closed before the answer": report.connectionErrors])
        #expect(server.accepted >= report.connectionErrors)
    }

    @Test("answers arriving in pieces are put back together, on kept-alive connections")
    func trickledAnswersOnKeptAliveConnections() async throws {
        let server = try ScriptedServer(.trickle(close: false))
        defer { server.stop() }
        let report = try await run(against: server) {
            $0.durationSeconds = nil
            $0.maxRequests = 30
        }
        #expect(report.requests == 30, "\(report.table())")
        #expect(report.errors == 0)
        #expect(server.accepted == 2)
        // Three pieces 2 ms apart: the latency covers them all.
        #expect(report.latencyMicroseconds.p50 >= 4_000)
    }

    /// `Connection: close` on every answer (in pieces), or an answer without a length whose
    /// body ends where the server closes: each request costs a new connection, not an error.
    @Test(
        "a server that closes after every answer costs a new connection per request, not an error",
        arguments: [ScriptedServer.Behaviour.trickle(close: true), .untilClose])
    func answersThatCloseTheConnection(_ behaviour: ScriptedServer.Behaviour) async throws {
        let server = try ScriptedServer(behaviour)
        defer { server.stop() }
        let report = try await run(against: server) {
            $0.durationSeconds = nil
            $0.maxRequests = 20
        }
        #expect(report.requests == 20, "\(report.table())")
        #expect(report.errors == 0)
        #expect(server.accepted == 20)
    }

    @Test("bytes that are not HTTP are a connection error that names the problem")
    func garbageIsNamed() async throws {
        let server = try ScriptedServer(.garbage)
        defer { server.stop() }
        let report = try await run(against: server) { $0.durationSeconds = 0.3 }
        #expect(report.requests == 0)
        #expect(report.connectionErrors >= 2, "\(report.table())")
        #expect(report.errorReasons == ["not an HTTP/1.x response": report.connectionErrors])
    }
}
