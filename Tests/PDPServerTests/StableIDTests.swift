// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import PDPServer

@Suite struct StableIDTests {
    @Test("SHA-1 and UUIDv5 match published vectors")
    func vectors() {
        #expect(StableID.format(Array(SHA1.hash(Array("abc".utf8)).prefix(16))) == "a9993e36-4706-816a-ba3e-25717850c26c")
        #expect(SHA1.hash(Array(String(repeating: "a", count: 1000).utf8)).count == 20)
        let dns: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
        #expect(StableID.format(StableID.uuid5(namespace: dns, name: "python.org")) == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        #expect(StableID.id("user", "alice") == StableID.id("user", "alice"))
        #expect(StableID.id("user", "alice") != StableID.id("tenant", "alice"))
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
