// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import PDPCore

@Suite struct ShardedUserTableTests {
    @Test("the shard count grows with the users, and every user is still found, in the copy taken before too")
    func growsAndKeepsEveryUser() {
        var table = ShardedUserTable()
        let threshold = (1 << ShardedUserTable.minimumShardBits) * ShardedUserTable.maxAverageShardSize
        let users = threshold + 1_000
        var before: ShardedUserTable?
        for index in 0..<users {
            if index == threshold { before = table }
            table.update(UserGrants(), for: "user-\(index)")
        }
        #expect(table.count == users)
        for index in stride(from: 0, to: users, by: 7) { #expect(table.grants(for: "user-\(index)") != nil) }
        #expect(table.grants(for: "user-\(users)") == nil)
        // Copies are values: the one taken before the growth still has its own users only.
        #expect(before?.count == threshold)
        #expect(before?.grants(for: "user-\(threshold - 1)") != nil)
        #expect(before?.grants(for: "user-\(threshold)") == nil)
        let removed = table.remove("user-5")
        #expect(removed)
        #expect(table.grants(for: "user-5") == nil)
        var seen = 0
        table.forEach { _, _ in seen += 1 }
        #expect(seen == users - 1)
    }

    @Test("reserving room up front sizes the shards for the expected users")
    func reserve() {
        var table = ShardedUserTable()
        table.reserve(1_000_000)
        table.update(UserGrants(), for: "alice")
        #expect(table.grants(for: "alice") != nil)
        #expect(table.count == 1)
    }
}
