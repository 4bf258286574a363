// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPCore
import PDPLoad
import PDPServer
import Testing

@Suite struct EndToEndTests {
    func configuration(port: Int) -> LoadConfiguration {
        var configuration = LoadConfiguration(target: TargetURL(host: "127.0.0.1", port: port))
        configuration.connections = 4
        configuration.threads = 1
        configuration.durationSeconds = 1
        configuration.verify = true
        configuration.apiKey = "load-key"
        return configuration
    }

    @Test func verifiedLoadAgainstTheSamePolicyMatches() async throws {
        let snapshot = try LoadFixtures.snapshot()
        let workload = LoadFixtures.workload(snapshot)
        try await withServer(snapshot: snapshot) { _, port in
            let report = try await LoadRunner(configuration: configuration(port: port), workload: workload).run()
            #expect(report.requests > 100)
            #expect(report.mismatches == 0)
            #expect(report.errors == 0)
            #expect(report.non200 == 0)
            #expect(report.allowedAnswers > 0 && report.deniedAnswers > 0)
            #expect(report.passed)
            #expect(report.latencyMicroseconds.p50 > 0)

            var bulk = configuration(port: port)
            bulk.endpoint = .bulk
            bulk.batchSize = 10
            bulk.durationSeconds = nil
            bulk.maxRequests = 200
            bulk.newConnectionPerRequest = true
            let bulkReport = try await LoadRunner(configuration: bulk, workload: workload).run()
            #expect(bulkReport.requests == 200)
            #expect(bulkReport.decisions == 2_000)
            #expect(bulkReport.passed, "\(bulkReport.table())")
        }
    }

    @Test("bulk requests of 1,000 checks, larger than a socket takes at once, go out whole and are verified")
    func largeBulkRequests() async throws {
        let snapshot = try LoadFixtures.snapshot()
        try await withServer(snapshot: snapshot) { _, port in
            var bulk = configuration(port: port)
            bulk.endpoint = .bulk
            bulk.batchSize = 1_000
            bulk.connections = 2
            bulk.threads = 4  // one generator thread per connection at most
            bulk.durationSeconds = nil
            bulk.maxRequests = 6
            let report = try await LoadRunner(configuration: bulk, workload: LoadFixtures.workload(snapshot)).run()
            #expect(report.threads == 2)
            #expect(report.table().contains("keep-alive, 2 threads,"))
            #expect(report.requests == 6)
            #expect(report.decisions == 6_000)
            #expect(report.allowedAnswers + report.deniedAnswers == 6_000)
            #expect(report.passed, "\(report.table())")
        }
    }

    @Test func aServerWithADifferentPolicyIsCaught() async throws {
        let snapshot = try LoadFixtures.snapshot()
        let workload = LoadFixtures.workload(snapshot)
        try await withServer(snapshot: snapshot) { server, port in
            // On the server, alice is demoted from admin to viewer in the default tenant.
            let policy = snapshot.policy
            let changed = snapshot.updatingFacts { facts in
                guard let tenant = facts.tenantID("default"), let admin = policy.roleID("admin"),
                    let viewer = policy.roleID("viewer")
                else { return }
                _ = facts.unassign(user: "alice", role: admin, tenant: tenant)
                _ = facts.assign(user: "alice", role: viewer, tenant: tenant)
            }
            server.store.publish(changed)
            var load = configuration(port: port)
            load.rate = 2_000  // also exercises the open loop
            let report = try await LoadRunner(configuration: load, workload: workload).run()
            #expect(report.mismatches > 0)
            #expect(!report.mismatchSamples.isEmpty)
            #expect(report.mismatchSamples.allSatisfy { $0.request.contains("\"alice\"") && $0.got == "deny" })
            #expect(report.errors == 0)
            #expect(!report.passed)
        }
    }

    @Test("the report says how busy the generator's busiest thread was, and warns when it was saturated")
    func generatorBusyShare() async throws {
        let snapshot = try LoadFixtures.snapshot()
        let workload = LoadFixtures.workload(snapshot)
        try await withServer(snapshot: snapshot) { _, port in
            var load = configuration(port: port)
            load.rate = 500  // a thread that mostly sleeps
            let report = try await LoadRunner(configuration: load, workload: workload).run()
            #expect(report.requests > 300)
            #expect(report.generatorBusiestThread > 0 && report.generatorBusiestThread < 0.5)
            let line = try #require(report.table().split(separator: "\n").first { $0.hasPrefix("generator") })
            #expect(line == "generator   busiest thread on the CPU \(Int((report.generatorBusiestThread * 100).rounded()))% of the run")

            // The same report with the generator busy 97% of the run.
            var json = report.json()
            json = json.replacingOccurrences(
                of: #""generatorBusiestThread" : [0-9.e-]+"#, with: #""generatorBusiestThread" : 0.97"#, options: .regularExpression)
            let saturated = try JSONDecoder().decode(LoadReport.self, from: Data(json.utf8))
            #expect(saturated.generatorBusiestThread == 0.97)
            #expect(saturated.table().contains(
                "generator   busiest thread on the CPU 97% of the run: saturated, so the latency includes the generator's own queueing"))
        }
    }

    @Test func wrongAPIKeyCountsNon200() async throws {
        let snapshot = try LoadFixtures.snapshot()
        try await withServer(snapshot: snapshot) { _, port in
            var load = configuration(port: port)
            load.apiKey = "wrong"
            load.durationSeconds = nil
            load.maxRequests = 50
            let report = try await LoadRunner(configuration: load, workload: LoadFixtures.workload(snapshot)).run()
            #expect(report.non200 == 50)
            #expect(report.statusCounts == ["403": 50])
            #expect(report.mismatches == 0)
        }
    }
}
