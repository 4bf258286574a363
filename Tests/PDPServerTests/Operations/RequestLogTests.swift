// SPDX-License-Identifier: Apache-2.0
import Foundation
@testable import PDPServer
import Testing

/// The decision and access logs on a live server: one line per decision (each check of a
/// bulk request) with its fields, one per request, never a key or a body; a full queue drops
/// and counts instead of waiting.
@Suite struct RequestLogTests {
    final class LogFile: Sendable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pdp-log-\(UUID().uuidString).jsonl").path
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func lines() throws -> [[String: Any]] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try text.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }

        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }

    @Test("every decision is a line: user, action, resource, tenant, allow, the granting role or the reason, latency")
    func decisionLines() async throws {
        let decisions = LogFile()
        let access = LogFile()
        let logs = RequestLogs(decisions: try LogSink(destination: decisions.path), access: try LogSink(destination: access.path))
        try await withTestServer(logs: logs) { server in
            let client = try server.connect()
            #expect(try client.roundTrip(.check("bob", "deleteany", "task", tenant: "acme")).status == 200)
            #expect(try client.roundTrip(.check("nobody", "read", "task")).status == 200)
            let bulk = #"[{"user":"alice","action":"read","resource":{"type":"task","key":"t-1"}},{"user":"dave","action":"read","resource":{"type":"task"}}]"#
            #expect(try client.roundTrip(.post("/allowed/bulk", bulk)).status == 200)
            #expect(try client.roundTrip(.post("/allowed?debug=true", #"{"user":"bob","action":"deleteany","resource":{"type":"task"}}"#)).status == 200)
            #expect(try client.roundTrip(.get("/ready")).status == 200)
            await logs.flush()

            let lines = try decisions.lines()
            #expect(lines.count == 5)
            let first = lines[0]
            #expect(first["user"] as? String == "bob")
            #expect(first["action"] as? String == "deleteany")
            #expect(first["resource_type"] as? String == "task")
            #expect(first["tenant"] as? String == "acme")
            #expect(first["allow"] as? Bool == true)
            #expect(first["role"] as? String == "admin")
            #expect(first["route"] as? String == "/allowed")
            #expect((first["latency_us"] as? Int).map { $0 >= 0 } == true)
            #expect((first["time"] as? String)?.hasSuffix("Z") == true)
            #expect(lines[1]["allow"] as? Bool == false)
            #expect(lines[1]["reason"] as? String == "unknown_user")
            #expect(lines[2]["route"] as? String == "/allowed/bulk")
            #expect(lines[2]["resource_key"] as? String == "t-1")
            #expect(lines[2]["role"] as? String == "admin")
            #expect(lines[3]["reason"] as? String == "no_role_in_tenant")
            #expect(lines[4]["reason"] as? String == "no_role_grants_permission", "a debug request is logged too")

            let requests = try access.lines()
            #expect(requests.map { $0["path"] as? String } == ["/allowed", "/allowed", "/allowed/bulk", "/allowed", "/ready"])
            #expect(requests.map { $0["status"] as? Int } == [200, 200, 200, 200, 200])
            #expect((requests[2]["request_bytes"] as? Int) == bulk.utf8.count)
            #expect((requests[2]["response_bytes"] as? Int).map { $0 > 0 } == true)
            for text in [decisions.text, access.text] {
                #expect(!text.contains(HTTPRequest.apiKey), "no API key in a log")
                #expect(!text.contains("debug=true"), "no query string in the access log")
            }
        }
    }

    @Test("sampling keeps about the given share of decisions")
    func sampling() async throws {
        let decisions = LogFile()
        let logs = RequestLogs(decisions: try LogSink(destination: decisions.path), decisionSampleRate: 0.25)
        try await withTestServer(logs: logs) { server in
            let checks = (0..<400).map { #"{"user":"alice","action":"read","resource":{"type":"task","key":"k\#($0)"}}"# }
            let client = try server.connect()
            for start in stride(from: 0, to: 400, by: 100) {
                let body = "[" + checks[start..<start + 100].joined(separator: ",") + "]"
                #expect(try client.roundTrip(.post("/allowed/bulk", body)).status == 200)
            }
            await logs.flush()
            let count = try decisions.lines().count
            #expect(UInt64(count) == logs.decisions?.writtenRecords)
            // 400 draws at 1/4: 100 expected, standard deviation 8.7; 40 and 160 are 7 away.
            #expect((40...160).contains(count), "\(count) of 400 logged at a 0.25 sample rate")
        }
    }

    @Test("a sink that cannot keep up drops whole batches and counts them, and the requests are answered")
    func dropsAndCounts() async throws {
        let decisions = LogFile()
        // One byte of room: every batch is larger, so every line is dropped.
        let logs = RequestLogs(decisions: try LogSink(destination: decisions.path, capacityBytes: 1))
        try await withTestServer(logs: logs) { server in
            let client = try server.connect()
            for _ in 0..<20 { #expect(try client.roundTrip(.check("alice", "read", "task")).status == 200) }
            await logs.flush()
            #expect(logs.decisions?.droppedRecords == 20)
            let metrics = try MetricsEndpointTests.scrape(server)
            #expect(metrics.value("pdp_log_records_dropped_total", ["log": "decision"]) == 20)
            #expect(decisions.text.isEmpty)
        }
    }
}
