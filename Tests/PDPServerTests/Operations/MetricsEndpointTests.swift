// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPFacts
@testable import PDPServer
import Testing

/// `GET /metrics` over loopback: the text parses, and its counts are the requests made.
@Suite struct MetricsEndpointTests {
    static func scrape(_ server: TestServer, authorization: String? = "Bearer \(HTTPRequest.apiKey)") throws -> PrometheusText {
        let response = try server.request(.get("/metrics", authorization: authorization))
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return try PrometheusText(response.bodyText)
    }

    @Test("requests by route and status, decisions, latency histograms and connections match what was sent")
    func countsMatchRequests() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            // bob is admin in acme, viewer (no deleteany) in default; dave holds no role; nobody is unknown.
            let checks: [(HTTPRequest, Bool)] = [
                (.check("alice", "delete", "task"), true), (.check("bob", "deleteany", "task", tenant: "acme"), true),
                (.check("dave", "read", "task"), false), (.check("nobody", "read", "task"), false), (.check("bob", "deleteany", "task"), false),
            ]
            for (request, allow) in checks {
                let response = try client.roundTrip(request)
                #expect(response.status == 200)
                #expect(try response.jsonObject()["allow"] as? Bool == allow)
            }
            let bulk = #"[{"user":"alice","action":"read","resource":{"type":"task"}},{"user":"nobody","action":"read","resource":{"type":"task"}},{"user":"dave","action":"read","resource":{"type":"task"}}]"#
            #expect(try client.roundTrip(.post("/allowed/bulk", bulk)).status == 200)
            #expect(try client.roundTrip(.post("/allowed", "{nope")).status == 400)
            #expect(try client.roundTrip(.get("/nowhere")).status == 404)
            #expect(try client.roundTrip(.check("alice", "read", "task").withAuthorization(nil)).status == 401)

            let metrics = try Self.scrape(server)
            #expect(metrics.types["pdp_http_requests_total"] == "counter")
            #expect(metrics.value("pdp_http_requests_total", ["route": "/allowed", "code": "200"]) == 5)
            #expect(metrics.value("pdp_http_requests_total", ["route": "/allowed", "code": "400"]) == 1)
            #expect(metrics.value("pdp_http_requests_total", ["route": "/allowed", "code": "401"]) == 1)
            #expect(metrics.value("pdp_http_requests_total", ["route": "/allowed/bulk", "code": "200"]) == 1)
            #expect(metrics.value("pdp_http_requests_total", ["route": "other", "code": "404"]) == 1)
            // Five checks and three in the bulk request: 2 + 1 allowed.
            #expect(metrics.value("pdp_decisions_total", ["result": "allowed"]) == 3)
            #expect(metrics.value("pdp_decisions_total", ["result": "denied"]) == 5)
            #expect(metrics.value("pdp_http_request_duration_seconds_count", ["route": "/allowed"]) == 7)
            #expect(metrics.value("pdp_http_request_duration_seconds_bucket", ["route": "/allowed", "le": "+Inf"]) == 7)
            let buckets = metrics.all("pdp_http_request_duration_seconds_bucket").filter { $0.labels["route"] == "/allowed" }.map(\.value)
            #expect(buckets == buckets.sorted(), "cumulative buckets never decrease")
            #expect((metrics.value("pdp_http_request_duration_seconds_sum", ["route": "/allowed"]) ?? 0) > 0)
            // This client's connection and the scrape's own.
            #expect(metrics.value("pdp_open_connections") == 2)
            #expect(metrics.value("pdp_facts_storage_writable") == 1)

            // A second scrape counts the first (counters move by what happened in between).
            let again = try Self.scrape(server)
            #expect(again.value("pdp_http_requests_total", ["route": "/metrics", "code": "200"]) == 1)
            #expect(again.value("pdp_http_requests_total", ["route": "/allowed", "code": "200"]) == 5)
        }
    }

    @Test("/metrics needs the API key unless metricsUnauthenticated")
    func authentication() async throws {
        try await withTestServer { server throws in
            #expect(try server.request(.get("/metrics", authorization: nil)).status == 401)
            #expect(try server.request(.get("/metrics", authorization: "Bearer wrong")).status == 403)
            #expect(try server.request(.make("POST", "/metrics", body: "")).status == 405)
        }
        try await withTestServer(configure: { $0.metricsUnauthenticated = true }) { server in
            _ = try Self.scrape(server, authorization: nil)
            // Only /metrics opens: decisions still need the key.
            #expect(try server.request(.check("alice", "read", "task").withAuthorization(nil)).status == 401)
        }
    }

    @Test("reloads are counted with their result, and the policy digest follows the policy served")
    func reloads() async throws {
        let file = try PolicyReloadTests.PolicyFile(PolicyReloadTests.withEditor)
        try await withTestServer(snapshot: try file.compile().get()) { server in
            let reloader = PolicyReloadService(
                configuration: PolicyReloadConfiguration(paths: [file.path], watch: false), compile: { file.compile() }, server: server.server)
            try file.write(PolicyReloadTests.withoutEditor)
            #expect(await reloader.reload(reason: "test"))
            let first = try Self.scrape(server)
            let digest = try #require(first.all("pdp_policy_info").first?.labels["digest"])
            #expect(digest == PolicyDigest.of(try file.compile().get().policy))
            #expect(digest == server.server.state.facts.policyDigest, "/metrics and /ready show the same digest")
            #expect(first.value("pdp_policy_reloads_total", ["result": "success"]) == 1)
            #expect(first.value("pdp_policy_last_reload_success") == 1)

            try file.write("version: 1\nroles: [broken\n")
            #expect(await reloader.reload(reason: "test") == false)
            let second = try Self.scrape(server)
            #expect(second.value("pdp_policy_reloads_total", ["result": "failure"]) == 1)
            #expect(second.value("pdp_policy_last_reload_success") == 0)
            #expect(second.all("pdp_policy_info").map { $0.labels["digest"] } == [digest], "a failed reload keeps the served digest")

            try file.write(PolicyReloadTests.withEditor)
            #expect(await reloader.reload(reason: "test"))
            let third = try Self.scrape(server)
            #expect(third.all("pdp_policy_info").count == 1)
            #expect(third.all("pdp_policy_info").first?.labels["digest"] != digest)
        }
    }

    @Test("latency buckets are powers of two microseconds, each holding what is under its bound")
    func bucketBounds() {
        let metrics = LoopMetrics()
        for nanoseconds: UInt64 in [0, 999, 1_000, 1_999, 2_000, 3_999, 4_000, 1_000_000_000_000] {
            metrics.request(route: MetricRoute.allowed.rawValue, status: 0, nanoseconds: nanoseconds)
        }
        let totals = metrics.totals()
        let buckets = Array(totals.latencyBuckets[0..<LoopMetrics.buckets])
        // < 1 µs: 0 and 999 ns; < 2 µs: 1,000 and 1,999; < 4 µs: 2,000 and 3,999; < 8 µs: 4,000.
        #expect(Array(buckets[0..<4]) == [2, 2, 2, 1])
        #expect(buckets[LoopMetrics.finiteBuckets] == 1, "1,000 s is past the last finite bucket")
        #expect(LatencyHistogramText.upperBound(0) == "0.000001")
        #expect(LatencyHistogramText.upperBound(3) == "0.000008")
        #expect(LatencyHistogramText.upperBound(23) == "8.388608")
    }
}

extension HTTPRequest {
    /// The same request with another `Authorization` header (`nil`: none).
    func withAuthorization(_ authorization: String?) -> HTTPRequest {
        var text = String(decoding: bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "Authorization: Bearer \(HTTPRequest.apiKey)\r\n", with: authorization.map { "Authorization: \($0)\r\n" } ?? "")
        return HTTPRequest(method: method, bytes: Array(text.utf8))
    }
}
