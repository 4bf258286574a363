// SPDX-License-Identifier: Apache-2.0

import PDPWire
import Testing

@Suite struct BulkCheckReaderTests {
    @Test func pythonBulkBodyYieldsItemsInOrder() {
        #expect(readBulk(SDKBodies.bulk).value == [
            CheckSnapshot("alice", "read", "task", tenant: "default"),
            CheckSnapshot("bob", "update", "task", key: "42", tenant: "default"),
            CheckSnapshot("carol", "delete", "task", key: "7", tenant: "acme"),
        ])
    }

    @Test func pythonFilterObjectsBodyParses() {
        #expect(readBulk(SDKBodies.filterObjects).value == [
            CheckSnapshot("alice", "read", "task", key: "1", tenant: "acme"),
            CheckSnapshot("alice", "read", "task", key: "2", tenant: "default"),
        ])
    }

    @Test func goFilterObjectsPutsTheKeyInId() {
        let body = #"[{"user":{"key":"alice"},"action":"read","resource":{"type":"task","id":"1","tenant":"acme"}}]"#
        #expect(readBulk(body).value == [CheckSnapshot("alice", "read", "task", key: "1", tenant: "acme")])
    }

    @Test func emptyArrayIsValid() {
        #expect(readBulk(" [ ] ").value == [])
    }

    @Test func exceedingMaxItemsIsADistinctError() {
        #expect(readBulk(SDKBodies.bulk, maxItems: 2).error?.kind == .tooManyItems)
        #expect(readBulk(SDKBodies.bulk, maxItems: 3).value?.count == 3)
    }

    @Test func itemSchemaErrorsArePrefixedWithTheIndex() {
        let body = #"[{"user":"a","action":"r","resource":"t"},{"user":"a","action":"r","resource":{"type":1}}]"#
        #expect(readBulk(body).error?.path == "[1].resource.type")
        #expect(readBulk(#"[{"user":"a","action":"r","resource":"t"}, 5]"#).error?.path == "[1]")
    }

    @Test func nonArrayBodiesAreSchemaErrorsAndTrailingCommasSyntaxErrors() {
        #expect(readBulk(#"{"checks":[]}"#).error?.kind == .schema)
        #expect(readBulk(#"[{"user":"a","action":"r","resource":"t"},]"#).error?.kind == .syntax)
    }
}
