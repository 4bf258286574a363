// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import PDPWire

/// Reads decisions from `/allowed` and `/allowed/bulk` answers the way Permit's Python SDK
/// does: `allow` must be a boolean (`{"allow": true, "result": true}`); a bulk answer is
/// `{"allow": [{"allow": b}, …]}` (or `{"result": {"allow": […]}}`), one entry per check.
enum AnswerReader {
    /// The decisions in `body`, or why they could not be read.
    static func decisions(in body: ByteBuffer, bulk: Bool, expectedCount: Int) -> Result<[Bool], AnswerError> {
        if !bulk, let allow = commonAnswer(body) { return .success([allow]) }
        if bulk, let decisions = commonBulkAnswer(body, expectedCount: expectedCount) { return .success(decisions) }
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            return .failure(AnswerError("invalid JSON: \(error.reason)"))
        }
        if !bulk {
            guard let allow = value["allow"]?.boolValue else { return .failure(AnswerError("no boolean `allow` in \(text(body))")) }
            return .success([allow])
        }
        guard let items = value["allow"]?.arrayValue ?? value["result"]?["allow"]?.arrayValue else {
            return .failure(AnswerError("no `allow` array in \(text(body))"))
        }
        guard items.count == expectedCount else {
            return .failure(AnswerError("\(items.count) answers for \(expectedCount) checks"))
        }
        var decisions: [Bool] = []
        decisions.reserveCapacity(items.count)
        for item in items {
            guard let allow = item["allow"]?.boolValue else { return .failure(AnswerError("an item without a boolean `allow`")) }
            decisions.append(allow)
        }
        return .success(decisions)
    }

    /// The decision when `body` is exactly one of the usual compact answers, without parsing;
    /// anything else goes through the JSON parser.
    static func commonAnswer(_ body: ByteBuffer) -> Bool? {
        body.withUnsafeReadableBytes { bytes in
            let (allow, length) = compactEntry(bytes, at: 0)
            return length == bytes.count ? allow : nil
        }
    }

    /// The decision and length of a compact `{"allow":b,"result":b}` at `offset`, or `(nil, 0)`.
    private static func compactEntry(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (Bool?, Int) {
        if let length = match(bytes, #"{"allow":true,"result":true}"#, at: offset) { return (true, length) }
        if let length = match(bytes, #"{"allow":false,"result":false}"#, at: offset) { return (false, length) }
        return (nil, 0)
    }

    /// The length of `literal` when the bytes at `offset` are exactly it, else `nil`.
    private static func match(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString, at offset: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count, let base = bytes.baseAddress else { return nil }
        return memcmp(base + offset, literal.utf8Start, count) == 0 ? count : nil
    }

    /// The decisions when `body` is a compact bulk answer made of the usual entries
    /// (`{"allow":[{"allow":true,"result":true},…]}`), read without building a JSON tree: a
    /// 1,000-check answer otherwise costs the generator more CPU than the server spent on it,
    /// and the generator shares the machine. Anything else goes through the JSON parser.
    static func commonBulkAnswer(_ body: ByteBuffer, expectedCount: Int) -> [Bool]? {
        body.withUnsafeReadableBytes { bytes -> [Bool]? in
            guard var offset = match(bytes, #"{"allow":["#, at: 0) else { return nil }
            var decisions: [Bool] = []
            decisions.reserveCapacity(expectedCount)
            while offset < bytes.count, bytes[offset] != UInt8(ascii: "]") {
                if !decisions.isEmpty {
                    guard bytes[offset] == UInt8(ascii: ",") else { return nil }
                    offset += 1
                }
                let (allow, length) = compactEntry(bytes, at: offset)
                guard let allow else { return nil }
                decisions.append(allow)
                offset += length
            }
            guard let close = match(bytes, "]}", at: offset), offset + close == bytes.count, decisions.count == expectedCount
            else { return nil }
            return decisions
        }
    }

    /// The body as text, cut to a readable length.
    static func text(_ body: ByteBuffer) -> String {
        let text = String(buffer: body)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

/// Why an answer could not be read.
struct AnswerError: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
