// SPDX-License-Identifier: Apache-2.0
import PDPFacts
import Testing

@Suite struct StableIDTests {
    @Test("UUIDv5 matches Python's uuid.uuid5 for the published DNS example")
    func publishedVector() {
        let dns: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
        #expect(StableID.format(StableID.uuid5(namespace: dns, name: "python.org")) == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    /// The ids clients already stored: computed independently with Python,
    /// `uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:swift-pdp"), "<kind>:<key>")`, and the
    /// same the hand-written SHA-1 produced before swift-crypto replaced it. A change here
    /// breaks every id a client has saved.
    @Test("stable ids are those already handed out", arguments: [
        ("organization", "default", "5bcec109-1f56-5b55-82b5-6ef250f10584"),
        ("project", "default", "816c2be7-2cc4-5db7-993b-a0aec8d2385b"),
        ("environment", "default", "cc888a7f-a1b6-5e8c-8201-8254aaf4511b"),
        ("user", "alice", "4f843ca8-e6b4-5b76-8977-55f48ba2567b"),
        ("tenant", "acme", "646cb611-392e-5552-a72f-6d506df0e448"),
        ("role", "admin", "128c574e-54de-58a8-8030-ef7d35416e05"),
        ("resource", "task", "fd45ad7d-939f-515c-9e5e-46b25458e0ca"),
        ("role_assignment", "alice/admin/acme", "eacca269-1a41-5a23-ae3b-5dfc908a4e3e"),
        // Two SHA-1 blocks: the padding and length of long names.
        ("user", String(repeating: "x", count: 100), "6822dbf8-b3da-59ab-b42e-aba78a2e7b2f"),
        // The key's bytes, unnormalized: NFC and NFD "é" are two users with two ids.
        ("user", "\u{E9}", "9fd3335a-4c7e-5b3d-b683-13f759e59673"),
        ("user", "e\u{301}", "102a90f1-26db-5147-8b2c-da151ba7d091"),
    ])
    func knownIDs(kind: String, key: String, id: String) {
        #expect(StableID.id(kind, key) == id)
    }

    @Test("the scope ids are the ids of the default organization, project and environment")
    func scope() {
        #expect(StableID.organization == "5bcec109-1f56-5b55-82b5-6ef250f10584")
        #expect(StableID.project == "816c2be7-2cc4-5db7-993b-a0aec8d2385b")
        #expect(StableID.environment == "cc888a7f-a1b6-5e8c-8201-8254aaf4511b")
    }

    @Test("path segments are recognised as UUIDs in any case, and nothing else is")
    func canonical() {
        #expect(StableID.canonical("886313E1-3B8A-5372-9B90-0C9AEE199E5D") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        #expect(StableID.canonical("886313e1-3b8a-5372-9b90-0c9aee199e5d") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        #expect(StableID.canonical("alice") == nil)
        #expect(StableID.canonical("886313e1x3b8a-5372-9b90-0c9aee199e5d") == nil)
        #expect(StableID.canonical("886313e1-3b8a-5372-9b90-0c9aee199e5g") == nil)
    }
}
