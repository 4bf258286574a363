// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPWire

/// Reads decisions from `/allowed` and `/allowed/bulk` answers the way Permit's Python SDK
/// does: `allow` must be a boolean (`{"allow": true, "result": true}`); a bulk answer is
/// `{"allow": [{"allow": b}, …]}` (or `{"result": {"allow": […]}}`), one entry per check.
enum AnswerReader {
    /// The decisions in `body`, or why they could not be read.
    static func decisions(in body: ByteBuffer, bulk: Bool, expectedCount: Int) -> Result<[Bool], AnswerError> {
        if !bulk, let allow = commonAnswer(body) { return .success([allow]) }
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
        switch body.readableBytes {
        case 28: body.readableBytesView.elementsEqual(#"{"allow":true,"result":true}"#.utf8) ? true : nil
        case 30: body.readableBytesView.elementsEqual(#"{"allow":false,"result":false}"#.utf8) ? false : nil
        default: nil
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
