// SPDX-License-Identifier: Apache-2.0

import PDPWire
import Testing
import TestSupport

@Suite struct JSONFuzzTests {
    private static let seeds: [String] = SDKBodies.all + [
        #"{"user":{"key":"al\u0069ce"},"action":"r\"d","resource":"t\u00e9sk:\ud83d\ude00"}"#,
    ]

    /// Reads `bytes` with every entry point; they must return or throw, never crash.
    private func exercise(_ bytes: [UInt8], scratch: JSONScratch) {
        bytes.withUnsafeBytes { raw in
            _ = try? CheckRequestReader.read(raw, scratch: scratch) { $0.userKey.count }
            _ = try? CheckRequestReader.readBulk(raw, scratch: scratch, maxItems: 10) { _, fields in _ = fields.action.count }
            _ = try? JSONValue.parse(raw)
            _ = try? UserPermissionsRequest(parsing: raw)
            _ = try? AuthorizedUsersRequest(parsing: raw)
        }
    }

    @Test func everyTruncationPrefixParsesOrThrows() {
        let scratch = JSONScratch()
        for seed in Self.seeds {
            let bytes = Array(seed.utf8)
            for length in 0..<bytes.count {
                exercise(Array(bytes[0..<length]), scratch: scratch)
                // A strict prefix of a complete document is never itself accepted as the document.
                let prefix = Array(bytes[0..<length])
                let parsed = prefix.withUnsafeBytes { try? JSONValue.parse($0) }
                #expect(parsed == nil, "prefix of \(length) bytes accepted")
            }
        }
    }

    @Test func randomMutationsParseOrThrow() {
        var generator = SplitMix64(seed: 0x5EED_0F_7E57)
        let scratch = JSONScratch(initialCapacity: 64)
        let interesting: [UInt8] = Array(#"{}[]",:\u0nlt.-+eE0123456789 "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xED, 0xF0, 0xFF]
        for round in 0..<4000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            ByteEdits.apply(Int.random(in: 1...4, using: &generator), to: &bytes, interesting: interesting, using: &generator)
            exercise(bytes, scratch: scratch)
        }
    }

    @Test func parsedValuesSurviveAWriteAndReadRoundTrip() throws {
        for seed in Self.seeds {
            let value = try parseJSON(seed).get()
            var writer = JSONWriter(buffer: .init())
            writer.value(value)
            let reparsed = try parseJSON(String(buffer: writer.buffer)).get()
            #expect(reparsed == value)
        }
    }
}
