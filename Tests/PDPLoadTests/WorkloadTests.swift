// SPDX-License-Identifier: Apache-2.0
import PDPCore
import Testing

@testable import PDPLoad

@Suite struct WorkloadTests {
    static let inlinePolicy = """
        version: 1
        resources:
          document: {actions: [read, write, share]}
          folder: {actions: [list, create]}
        roles:
          reader: {permissions: [document:read, folder:list]}
          writer: {extends: [reader], permissions: [document:write, folder:create]}
        tenants:
          one: {name: One}
          two: {name: Two}
        users:
          ann: {roles: {one: [writer]}}
          ben: {roles: {one: [reader], two: [writer]}}
          cid: {roles: []}
        """

    @Test func sameSeedSameWorkload() throws {
        let snapshot = try LoadFixtures.snapshot()
        var options = WorkloadGenerator.Options()
        options.count = 2_000
        let first = WorkloadGenerator.generate(from: snapshot, options: options)
        let second = WorkloadGenerator.generate(from: snapshot, options: options)
        #expect(first.checks == second.checks)
        #expect(first.checks.count == 2_000)
        options.seed = 2
        let other = WorkloadGenerator.generate(from: snapshot, options: options)
        #expect(other.checks != first.checks)
    }

    @Test(arguments: ["repository", "inline"])
    func mixesAllowedAndDenied(policy: String) throws {
        let snapshot = policy == "inline" ? try LoadFixtures.snapshot(yaml: Self.inlinePolicy) : try LoadFixtures.snapshot()
        let workload = WorkloadGenerator.generate(from: snapshot)
        let mix = workload.mix
        #expect(mix.allowed > 0)
        #expect(mix.denied > 0)
        #expect(mix.unknown == 0)
        #expect((0.3...0.9).contains(mix.allowedFraction), "allowed fraction \(mix.allowedFraction)")
        #expect(mix.outcomes["unknown_user", default: 0] > 0)
        // The expected decision is the policy's, and the body says the same check.
        for check in workload.checks.prefix(50) {
            let request = try #require(check.request)
            #expect(check.expected == snapshot.decide(request))
            #expect(ReplayWorkload.request(from: try .parse(check.body)) == AccessRequest(
                user: request.user, action: request.action, resourceType: request.resourceType,
                resourceKey: request.resourceKey, tenant: request.tenant ?? "default"))
        }
    }

    @Test func replayReadsSDKBodies() throws {
        let text = """
            {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}

            {"user": {"key": "bob"}, "action": "assign", "resource": "task:42"}
            {"user": {"key": "carol"}, "action": "read", "resource": {"type": "task", "context": {"tenant": "acme"}}}
            """
        let workload = try ReplayWorkload.parse(text).expecting(try LoadFixtures.snapshot())
        #expect(workload.checks.count == 3)
        #expect(workload.checks.map(\.expected) == [.allowed, .notGranted, .allowed])
        #expect(workload.checks[1].request?.resourceKey == "42")
        #expect(throws: LoadError.self) { try ReplayWorkload.parse("{\"user\": ") }
    }

    @Test func bulkRequestsCarryBatchesOfChecks() throws {
        let workload = WorkloadGenerator.generate(from: try LoadFixtures.snapshot())
        var configuration = LoadConfiguration(target: TargetURL(host: "127.0.0.1", port: 7766))
        configuration.endpoint = .bulk
        configuration.batchSize = 7
        configuration.verify = true
        configuration.apiKey = "K"
        let requests = RequestEncoder.prepare(workload, configuration: configuration)
        #expect(requests.count == (workload.checks.count + 6) / 7)
        let first = String(buffer: requests[0].bytes)
        #expect(first.hasPrefix("POST /allowed/bulk HTTP/1.1\r\nHost: 127.0.0.1:7766\r\n"))
        #expect(first.contains("Authorization: Bearer K\r\n"))
        #expect(requests[0].expected?.count == 7)
    }

    @Test func targetURLs() throws {
        #expect(try TargetURL(parsing: "http://127.0.0.1:7766").isLoopback)
        #expect(try TargetURL(parsing: "http://localhost:8000/pdp/").basePath == "/pdp")
        #expect(try TargetURL(parsing: "http://[::1]:7000").isLoopback)
        #expect(try !TargetURL(parsing: "http://10.0.0.5:7766").isLoopback)
        #expect(try !TargetURL(parsing: "http://127.example.com").isLoopback)
        #expect(throws: LoadError.self) { try TargetURL(parsing: "https://127.0.0.1") }
        var configuration = LoadConfiguration(target: try TargetURL(parsing: "http://pdp.internal:7766"))
        #expect(throws: LoadError.self) { try configuration.validate() }
        configuration.allowRemote = true
        try configuration.validate()
    }
}
