// SPDX-License-Identifier: Apache-2.0
import Benchmark
import PDPCore
import PDPFacts
import PDPServer
import PDPStore

/// The cost of one facts write at scale (issue #11 item 7): the writer's path in process,
/// without the fsync (in-memory store): execute the write, commit it to the store's state,
/// build the next snapshot and catalog, publish the snapshot. 1 M API users, each holding
/// one role, so 1 M assignments. Goals: a single write under 2 ms p50, a 1,000-user bulk
/// delete under 1 s. No thresholds file: the 1 M-user fixture takes too long for the regular
/// `thresholds check` run; run with `--filter FactsWrite`.
enum FactsScale {
    static let users = 1_000_000

    final class Fixture: @unchecked Sendable {
        // @unchecked: used by one benchmark at a time, never concurrently.
        let engine: FactsEngine
        let snapshots: SnapshotStore
        var nextUser = 0
        var nextDelete = 0

        init() throws {
            let base = try Fixtures.taskSnapshot()
            let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
            let storage = FactsStore()
            var mutations: [FactsMutation] = []
            mutations.reserveCapacity(2 * FactsScale.users)
            for index in 0..<FactsScale.users {
                let key = "api-user-\(index)"
                mutations.append(.putUser(UserRecord(key: key, createdAt: time, updatedAt: time)))
                mutations.append(.assign(AssignmentKey(user: key, role: index % 10 == 0 ? "admin" : "viewer", tenant: "default"), at: time))
            }
            try storage.commit([mutations])
            engine = FactsEngine(base: base, storage: storage, now: time)
            snapshots = SnapshotStore(engine.snapshot)
        }
    }

    /// Built once per process (about 15 s): both benchmarks use it.
    static let fixture: Fixture? = try? Fixture()
}

func registerFactsWriteBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 5, maxDuration: .seconds(10),
        maxIterations: 2_000)

    // A new user with one role (`PUT users/{key}` with role_assignments): acknowledged once
    // this returns, fsync aside.
    Benchmark("FactsWrite_CreateUserWithRole_1MUsers1MAssignments", configuration: configuration) { benchmark in
        guard let fixture = FactsScale.fixture else { return }
        for _ in benchmark.scaledIterations {
            let key = "new-user-\(fixture.nextUser)"
            fixture.nextUser += 1
            let write = FactsWrite.syncUser(UserInput(key: key, roleAssignments: [AssignmentKey(user: key, role: "viewer", tenant: "default")]))
            let outcome = fixture.engine.commit([write], now: .now())
            if let published = outcome.published { fixture.snapshots.publish(published.snapshot) }
            blackHole(outcome)
        }
    }

    // `DELETE bulk/users` of 1,000 users (each with one role): one transaction.
    Benchmark(
        "FactsWrite_BulkDelete1000Users_1MUsers1MAssignments",
        configuration: .init(
            metrics: [.wallClock, .mallocCountTotal], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(20),
            maxIterations: 20)
    ) { benchmark in
        guard let fixture = FactsScale.fixture else { return }
        for _ in benchmark.scaledIterations {
            let keys = (0..<1_000).map { "api-user-\(fixture.nextDelete + $0)" }
            fixture.nextDelete += 1_000
            let outcome = fixture.engine.commit([.bulkDeleteUsers(keys)], now: .now())
            if let published = outcome.published { fixture.snapshots.publish(published.snapshot) }
            blackHole(outcome)
        }
    }
}
