// SPDX-License-Identifier: Apache-2.0

@testable import PDPWire
import Testing
import TestSupport

/// The eight-bytes-at-a-time string scan must stop exactly where a byte-by-byte scan stops.
@Suite struct JSONStringScanTests {
    private static func isStop(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80
    }

    private static func referenceStop(_ bytes: [UInt8], from start: Int) -> Int {
        var position = start
        while position < bytes.count, !isStop(bytes[position]) { position += 1 }
        return position
    }

    private static func error(reading body: [UInt8], scratch: JSONScratch) -> WireError? {
        body.withUnsafeBytes { raw -> WireError? in
            do throws(WireError) {
                _ = try CheckRequestReader.read(raw, scratch: scratch) { $0.userKey.count }
                return nil
            } catch { return error }
        }
    }

    @Test func stopsWhereAByteByByteScanStops() {
        var generator = SplitMix64(seed: 0x5CA7_7E57)
        // Bytes around every boundary the word trick depends on (borrows out of 0x00, 0x1F/0x20,
        // 0x21-0x23 and 0x5B-0x5D around the quote and backslash, 0x7F/0x80).
        let edges: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xC3, 0xFF]
        let plain = Array("abcdefghijklmnopqrstuvwxyz0123456789-_:.@ ".utf8)
        for round in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            var bytes = (0..<length).map { _ in plain.randomElement(using: &generator)! }
            // Mostly plain runs with one to three stop-or-edge bytes, sometimes fully random.
            if round % 5 == 0 {
                for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
            } else if !bytes.isEmpty {
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<length, using: &generator)] = edges.randomElement(using: &generator)!
                }
            }
            let start = length == 0 ? 0 : Int.random(in: 0...length, using: &generator)
            let found = bytes.withUnsafeBytes { raw in
                JSONCursor.firstStopByte(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, from: start, end: length)
            }
            #expect(found == Self.referenceStop(bytes, from: start), "bytes \(bytes) from \(start)")
        }
    }

    /// A control character, a quote or an escape at every offset of strings long enough to
    /// cross several words: the reader ends the string, decodes the escape, or rejects the
    /// byte at exactly that offset.
    @Test func readsStringsWithASpecialByteAtEveryOffset() throws {
        let scratch = JSONScratch()
        for length in 1...40 {
            for offset in 0..<length {
                var text = Array(repeating: UInt8(ascii: "a"), count: length)
                text[offset] = 0x1F
                let body = Array(#"{"user":""#.utf8) + text + Array(#"","action":"r","resource":"t"}"#.utf8)
                let error = Self.error(reading: body, scratch: scratch)
                #expect(error?.kind == .syntax && error?.offset == 9 + offset, "length \(length) offset \(offset)")

                text[offset] = UInt8(ascii: "\\")
                let escaped = Array(#"{"user":""#.utf8) + text[0...offset] + [UInt8(ascii: "n")]
                    + text[(offset + 1)...] + Array(#"","action":"r","resource":"t"}"#.utf8)
                let key = try escaped.withUnsafeBytes { raw in
                    try CheckRequestReader.read(raw, scratch: scratch) { $0.userKey.string }
                }
                #expect(key == String(repeating: "a", count: offset) + "\n" + String(repeating: "a", count: length - offset - 1))

                text[offset] = 0xC3  // "é" is C3 A9; a lone lead byte is invalid UTF-8
                let accented = Array(#"{"user":""#.utf8) + text[0...offset] + [0xA9]
                    + text[(offset + 1)...] + Array(#"","action":"r","resource":"t"}"#.utf8)
                let accentedKey = try accented.withUnsafeBytes { raw in
                    try CheckRequestReader.read(raw, scratch: scratch) { $0.userKey.string }
                }
                #expect(accentedKey == String(repeating: "a", count: offset) + "é" + String(repeating: "a", count: length - offset - 1))
                let broken = Array(#"{"user":""#.utf8) + text + Array(#"","action":"r","resource":"t"}"#.utf8)
                let brokenError = Self.error(reading: broken, scratch: scratch)
                #expect(brokenError?.kind == .syntax && brokenError?.offset == 9 + offset)
            }
        }
    }
}
