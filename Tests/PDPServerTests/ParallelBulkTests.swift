// SPDX-License-Identifier: Apache-2.0
import Foundation
@testable import PDPServer
import Synchronization
import Testing

/// Large `/allowed/bulk` batches are cut into slices read on several cores: over real
/// sockets, the answers must be exactly the sequential ones, in input order, and invalid
/// bodies must get exactly the errors they got before (item index and field path included).
@Suite struct ParallelBulkTests {
    /// Items whose strings and nested objects hold `},{` sequences: places where the body
    /// looks cut-able but is not (the slice reader must decline those cuts).
    static func trickyItem(_ user: String, _ action: String) -> String {
        #"{"user":{"key":"\#(user)","attributes":{"note":"x},{\"y\": 1}, {z"}},"action":"\#(action)","resource":{"type":"task","tenant":"default","attributes":{"list":[{"a":1},{"b":[{},{}]}]}},"context":{"k":[{"x":"},{"}]}}"#
    }

    static let users = ["alice", "bob", "dave", "zed"]
    static let actions = ["read", "readall", "assign"]
    static func expected(_ index: Int) -> Bool {
        let user = users[index % users.count]
        let action = actions[index % actions.count]
        return user == "alice" || (user == "bob" && action == "read")
    }

    @Test("large batches, plain and with cut-like sequences inside items, answer every item in input order")
    func largeBatchesInOrder() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for count in [200, 1_000, 3_000] {
                for tricky in [false, true] {
                    let items = (0..<count).map { index in
                        let user = Self.users[index % Self.users.count]
                        let action = Self.actions[index % Self.actions.count]
                        return tricky ? Self.trickyItem(user, action) : BulkEndpointTests.item(user, action, "task")
                    }
                    let response = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: index(count)) + "]"))
                    #expect(response.status == 200)
                    #expect(response.bodyText == BulkEndpointTests.expectedBody((0..<count).map(Self.expected)), "\(count) items, tricky: \(tricky)")
                }
            }
        }
    }

    /// Separators with whitespace on some sizes: cuts must skip it.
    func index(_ count: Int) -> String { count == 1_000 ? " ,\n " : "," }

    @Test("an invalid item deep in a large batch gets the same error, index and path as before")
    func invalidItemKeepsItsError() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            var items = (0..<2_000).map { BulkEndpointTests.item(Self.users[$0 % 4], "read", "task") }
            items[1_700] = #"{"user":{"key":"alice"},"action":"read","resource":{"type":7}}"#
            let schema = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(schema.status == 422)
            #expect(try schema.jsonObject()["field"] as? String == "[1700].resource.type")

            items[1_700] = #"{"user":{"key":"alice"},"action":"read","resource":"task"} x"#
            let syntax = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(syntax.status == 400)

            let trailing = try client.roundTrip(.post("/allowed/bulk", "[" + items.prefix(1_000).joined(separator: ",") + ",]"))
            #expect(trailing.status == 400)
        }
    }

    @Test("a large batch over maxBulkChecks is 413 too_many_items, as sequentially")
    func tooManyItemsInALargeBatch() async throws {
        var limits = RequestLimits()
        limits.maxBulkChecks = 999
        try await withTestServer(limits: limits) { server in
            let client = try server.connect()
            let items = (0..<1_000).map { BulkEndpointTests.item(Self.users[$0 % 4], "read", "task") }
            let over = try client.roundTrip(.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"))
            #expect(over.status == 413)
            #expect(try over.jsonObject()["code"] as? String == "too_many_items")
            let under = try client.roundTrip(.post("/allowed/bulk", "[" + items.dropLast().joined(separator: ",") + "]"))
            #expect(under.status == 200)
        }
    }

    // MARK: The helper woken at the head (ParallelBulk.Helper)

    static func batch(_ count: Int, offset: Int = 0) -> (request: HTTPRequest, expected: String) {
        let items = (0..<count).map { index in
            BulkEndpointTests.item(Self.users[(index + offset) % Self.users.count], Self.actions[(index + offset) % Self.actions.count], "task")
        }
        return (.post("/allowed/bulk", "[" + items.joined(separator: ",") + "]"), BulkEndpointTests.expectedBody((0..<count).map { Self.expected($0 + offset) }))
    }

    /// Sends the head, waits `pause`, then sends the body: the body cannot come with the head.
    static func headThenBody(_ client: RawHTTPClient, _ request: HTTPRequest, pause: Duration) throws -> HTTPResponse {
        let bytes = request.bytes
        let headEnd = (0..<bytes.count - 3).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }! + 4
        try client.send(Array(bytes[..<headEnd]))
        Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
        try client.send(Array(bytes[headEnd...]))
        return try client.readResponse()
    }

    /// Runs blocking clients on threads of their own, not on Swift's cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    @Test("a body that follows its head is shared with the helper woken at the head; a late one falls back; none is lost")
    func helperWokenAtTheHead() async throws {
        guard ParallelBulk.cores > 1 else { return }  // one core: no helper, nothing to test
        try await withTestServer { server in
            let (request, expected) = Self.batch(1_000)
            // Each answer's status and whether its body was exact, and whether any of the
            // batches sent soon after their heads was shared with a helper.
            let (answers, shared) = try await Self.onThread { () throws -> ([String], Bool) in
                let client = try server.connect()
                var answers: [String] = []
                func record(_ response: HTTPResponse) { answers.append("\(response.status) \(response.bodyText == expected)") }
                // Soon after the head: the helper is still waiting and takes slices. (Its
                // 200 µs wait is lengthened here: under ASan, reading the body can take longer.)
                var shared = false
                do {
                    ParallelBulk.Helper.maxWait.store(2_000_000_000, ordering: .relaxed)
                    defer { ParallelBulk.Helper.maxWait.store(ParallelBulk.Helper.defaultMaxWait, ordering: .relaxed) }
                    for _ in 0..<20 where !shared {
                        let before = ParallelBulk.Helper.sharedBatches.load(ordering: .relaxed)
                        record(try Self.headThenBody(client, request, pause: .microseconds(50)))
                        shared = ParallelBulk.Helper.sharedBatches.load(ordering: .relaxed) > before
                    }
                }
                // Long after the head: the helper gave up; the batch is split as before.
                record(try Self.headThenBody(client, request, pause: .milliseconds(30)))
                // A head whose body never comes: its helper is let go (closed connection, or
                // its own time limit), and the next batch is answered as usual.
                let abandoned = try server.connect()
                try abandoned.send(Array(request.bytes[..<(request.bytes.count / 2)]))
                abandoned.close()
                record(try Self.headThenBody(client, request, pause: .microseconds(50)))
                return (answers, shared)
            }
            #expect(answers.allSatisfy { $0 == "200 true" }, "\(answers)")
            #expect(shared, "no batch of 20 was shared with a helper woken at its head")
            // A helper thread lingers after its batch: the next batch is handed to it.
            ParallelBulk.Helper.lingerTime.store(2_000_000_000, ordering: .relaxed)
            defer { ParallelBulk.Helper.lingerTime.store(ParallelBulk.Helper.defaultLingerTime, ordering: .relaxed) }
            let handed = try await Self.onThread { () throws -> (Bool, Bool) in
                let client = try server.connect()
                var exact = true
                var handed = false
                for _ in 0..<10 where !handed {
                    let before = ParallelBulk.Helper.handedToLingering.load(ordering: .relaxed)
                    exact = try client.roundTrip(request).bodyText == expected && exact
                    handed = ParallelBulk.Helper.handedToLingering.load(ordering: .relaxed) > before
                }
                return (exact, handed)
            }
            #expect(handed.0, "a batch handed to a lingering helper was answered wrongly")
            #expect(handed.1, "no batch of 10 was handed to a lingering helper thread")
            ParallelBulk.Helper.lingerTime.store(ParallelBulk.Helper.defaultLingerTime, ordering: .relaxed)
            var idle = false
            for _ in 0..<200 where !idle {
                idle = ParallelBulk.Helper.outstandingCount == 0
                if !idle { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(idle, "helpers still waiting: \(ParallelBulk.Helper.outstandingCount)")
        }
    }

    @Test("many connections sending large batches at once, bodies apart from heads, each get their own exact answers")
    func concurrentLargeBatches() async throws {
        try await withTestServer { server in
            try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await Self.onThread { () throws -> [String] in
                            let client = try server.connect()
                            var wrong: [String] = []
                            for round in 0..<8 {
                                let (request, expected) = Self.batch(300 + 97 * index + round, offset: index + round)
                                let response = round % 2 == 0
                                    ? try client.roundTrip(request) : try Self.headThenBody(client, request, pause: .microseconds(20 * round))
                                if response.status != 200 || response.bodyText != expected { wrong.append("connection \(index), round \(round): \(response.status)") }
                            }
                            return wrong
                        }
                    }
                }
                var wrong: [String] = []
                for try await answers in group { wrong += answers }
                #expect(wrong.isEmpty, "\(wrong)")
            }
        }
    }
}
