// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPFacts
import PDPStore
import Testing

/// A store other writers also commit to, in memory: the journal store underneath, plus
/// transactions "committed elsewhere" that it hands over the way the PostgreSQL store does
/// (before the writer's own writes are prepared, and on ``follow()``).
private final class SharedMemoryStorage: FactsStorage {
    let local = FactsStore()
    var elsewhere: [[FactsMutation]] = []
    var kind: String { "shared-test" }
    var syncStatus: FactsSyncStatus? { nil }
    var state: FactsState { local.state }
    var lastSequence: UInt64 { local.lastSequence }

    func commit(preparing prepare: (FactsState) -> [[FactsMutation]]) throws(FactsStoreError) -> [[FactsMutation]] {
        let foreign = try follow()
        _ = try local.commit(preparing: prepare)
        return foreign
    }

    func follow() throws(FactsStoreError) -> [[FactsMutation]] {
        let foreign = elsewhere
        elsewhere = []
        if !foreign.isEmpty { try local.commit(foreign) }
        return foreign
    }

    func unstorable(_ mutations: [FactsMutation]) -> String? {
        mutations.contains(.deleteUser(key: "forbidden")) ? "cannot store that" : nil
    }

    func startCompaction() throws(FactsStoreError) -> FactsCompaction? { nil }
}

@Suite("FactsEngine on a shared store")
struct SharedStorageTests {
    static func decides(_ engine: FactsEngine, _ user: String, _ action: String = "read") -> Bool {
        engine.snapshot.decide(AccessRequest(user: user, action: action, resourceType: "task", tenant: nil)) == .allowed
    }

    @Test("what other writers committed is published on follow(), into decisions and listings")
    func followPublishes() throws {
        let storage = SharedMemoryStorage()
        let engine = FactsEngine(base: try FactsFixtures.snapshot(), storage: storage, now: FactsFixtures.time)
        #expect(try engine.follow() == nil, "nothing new: nothing to publish")
        storage.elsewhere = [[.putUser(UserRecord(key: "zoe", createdAt: FactsFixtures.time, updatedAt: FactsFixtures.time)),
                              .assign(FactsFixtures.assignment("zoe", "editor"), at: FactsFixtures.time)]]
        let published = try #require(try engine.follow())
        #expect(Self.decides(engine, "zoe", "write"))
        #expect(published.catalog.api.user("zoe") != nil)
        #expect(published.catalog.position == 1)
    }

    @Test("a write is checked against what others committed first, and both are published in order")
    func writesSeeForeignChanges() throws {
        let storage = SharedMemoryStorage()
        let engine = FactsEngine(base: try FactsFixtures.snapshot(), storage: storage, now: FactsFixtures.time)
        storage.elsewhere = [[.putUser(UserRecord(key: "zoe", createdAt: FactsFixtures.time, updatedAt: FactsFixtures.time))]]
        // Creating a user another sidecar just created answers "exists" (200), not "created".
        let outcome = engine.commit(
            [.createUser(UserInput(key: "zoe")), .assign([FactsFixtures.assignment("zoe", "viewer")], bulk: false)], now: FactsFixtures.time)
        guard case .success(.user(_, _, let created)) = outcome.results[0] else {
            Issue.record("\(outcome.results[0])")
            return
        }
        #expect(!created)
        #expect(Self.decides(engine, "zoe"))
        #expect(outcome.published?.catalog.position == 2)
    }

    @Test("a request the store cannot hold is refused alone, as unstorable; the rest of the batch commits")
    func unstorableIsRefusedAlone() throws {
        let storage = SharedMemoryStorage()
        let engine = FactsEngine(base: try FactsFixtures.snapshot(), storage: storage, now: FactsFixtures.time)
        FactsFixtures.write(engine, .createUser(UserInput(key: "forbidden")))
        let outcome = engine.commit([.deleteUser(key: "forbidden"), .createUser(UserInput(key: "fine"))], now: FactsFixtures.time)
        guard case .failure(let error) = outcome.results[0] else {
            Issue.record("the unstorable request was accepted")
            return
        }
        #expect(error == FactsError(.unstorable, "cannot store that"))
        #expect(storage.state.user("forbidden") != nil && storage.state.user("fine") != nil)
    }

    @Test("the policy digest is the same for the same policy and differs when a decision could")
    func policyDigest() throws {
        let digest = PolicyDigest.of(try FactsFixtures.snapshot().policy)
        #expect(digest == PolicyDigest.of(try FactsFixtures.snapshot().policy))
        #expect(digest.count == 32)
        let changed = FactsFixtures.policyYAML.replacingOccurrences(of: "permissions: [task:read]", with: "permissions: [task:write]")
        #expect(digest != PolicyDigest.of(try FactsFixtures.snapshot(changed).policy))
        let reformatted = "# a comment\n" + FactsFixtures.policyYAML
        #expect(digest == PolicyDigest.of(try FactsFixtures.snapshot(reformatted).policy))
    }
}
