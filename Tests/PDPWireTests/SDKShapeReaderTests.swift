// SPDX-License-Identifier: Apache-2.0

@testable import PDPWire
import Testing
import TestSupport

/// The SDK-shape reader (`JSONCursor.readSDKShapedCheck`) against the general reader: it must
/// take the shape every SDK sends, decline everything else without moving the cursor, and
/// never make any reader's answer differ from the general reader's on the same bytes.
@Suite struct SDKShapeReaderTests {
    /// What a reader made of a body: the fields of each check, in order, and the error if any.
    private struct Outcome: Equatable, CustomStringConvertible {
        var checks: [[String?]] = []
        var error: WireError?
        var items: Int?

        var description: String { "checks \(checks), items \(items.map(String.init) ?? "nil"), error \(error.map(String.init(describing:)) ?? "none")" }
    }

    private static func strings(_ fields: borrowing CheckFields) -> [String?] {
        [fields.userKey.string, fields.action.string, fields.resourceType.string, fields.resourceKey?.string, fields.tenant?.string]
    }

    private static func read(_ body: [UInt8], sdkShape: Bool, limits: JSONLimits = .default) -> Outcome {
        var outcome = Outcome()
        body.withUnsafeBytes { raw in
            do throws(WireError) {
                outcome.checks = [try CheckRequestReader.read(raw, scratch: JSONScratch(initialCapacity: 16), limits: limits, sdkShape: sdkShape) { Self.strings($0) }]
            } catch {
                outcome.error = error
            }
        }
        return outcome
    }

    private static func readBulk(_ body: [UInt8], sdkShape: Bool, limits: JSONLimits = .default) -> Outcome {
        var outcome = Outcome()
        body.withUnsafeBytes { raw in
            do throws(WireError) {
                outcome.items = try CheckRequestReader.readBulk(raw, scratch: JSONScratch(initialCapacity: 16), limits: limits, maxItems: 50, sdkShape: sdkShape) { _, fields in
                    outcome.checks.append(Self.strings(fields))
                }
            } catch {
                outcome.error = error
            }
        }
        return outcome
    }

    /// Every slice a body is cut into, read in turn, as the server's parallel bulk reads them.
    private static func readSlices(_ body: [UInt8], parts: Int, sdkShape: Bool) -> Outcome {
        var outcome = Outcome()
        body.withUnsafeBytes { raw in
            var points: [Int] = []
            CheckRequestReader.bulkSplitPoints(raw, parts: parts, into: &points)
            let starts = [0] + points
            let ends: [Int?] = points.map { $0 } + [nil]
            var total = 0
            for (start, end) in zip(starts, ends) {
                do throws(WireError) {
                    let items = try CheckRequestReader.readBulkSlice(
                        raw, from: start, to: end, scratch: JSONScratch(initialCapacity: 16), limits: .default, maxItems: 50,
                        sdkShape: sdkShape
                    ) { _, fields in outcome.checks.append(Self.strings(fields)) }
                    guard let items else { outcome.items = nil; return }
                    total += items
                } catch {
                    outcome.error = error
                    return
                }
            }
            outcome.items = total
        }
        return outcome
    }

    /// Whether the shape reader alone takes the whole body as one check (and where it stopped).
    private static func shapeReaderTakes(_ body: [UInt8], maxDepth: Int = 64) throws -> (taken: Bool, index: Int, fields: [String?]?) {
        try body.withUnsafeBytes { raw in
            var cursor = try JSONCursor(raw, scratch: JSONScratch(initialCapacity: 16), limits: JSONLimits(maxDepth: maxDepth))
            guard let fields = cursor.readSDKShapedCheck() else { return (false, cursor.index, nil) }
            return (true, cursor.index, Self.strings(fields))
        }
    }

    // The bodies the SDKs and `pdp load` send: spaced (Python's json.dumps) and compact.
    static let shaped: [String] = [
        SDKBodies.checkTypeOnly,
        SDKBodies.checkWithKey,
        #"{"user":{"key":"erin"},"action":"updateany","resource":{"type":"task","key":null,"tenant":"default","context":{"tenant":"default"}},"context":{}}"#,
        #"{"user":{"key":"alice"},"action":"delete","resource":{"type":"task","key":"6950","tenant":"acme","context":{"tenant":"acme"}},"context":{}}"#,
        "{\n  \"user\" : {\"key\" :\t\"a\"} ,\r\n \"action\": \"\", \"resource\": {\"type\": \"t\", \"key\": \"\", \"tenant\": \"x\", \"context\": {\"tenant\": \"y\"}}, \"context\": { } }\n",
    ]

    @Test(arguments: shaped)
    func theSDKShapeIsReadByTheShapeReaderWithTheGeneralReadersFields(_ body: String) throws {
        let bytes = Array(body.utf8)
        let (taken, _, fields) = try Self.shapeReaderTakes(bytes)
        #expect(taken)
        let general = Self.read(bytes, sdkShape: false)
        #expect(general.error == nil)
        #expect(fields.map { [$0] } == general.checks)
        #expect(Self.read(bytes, sdkShape: true) == general)
    }

    @Test func theShapeReaderReturnsTheBodysOwnFields() throws {
        let (_, index, fields) = try Self.shapeReaderTakes(Array(SDKBodies.checkWithKey.utf8))
        #expect(fields == ["alice", "read", "task", "42", "default"])
        #expect(index == SDKBodies.checkWithKey.utf8.count)
        let (_, _, typeOnly) = try Self.shapeReaderTakes(Array(SDKBodies.checkTypeOnly.utf8))
        #expect(typeOnly == ["alice", "read", "task", nil, "default"])
    }

    // Valid checks the general reader reads, in shapes the shape reader must leave to it.
    static let otherShapes: [String] = [
        SDKBodies.checkFull, SDKBodies.checkNulls, SDKBodies.checkMergedContext, SDKBodies.checkNoDefaultTenant,
        // members in another order
        #"{"action": "read", "user": {"key": "alice"}, "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#,
        // a null tenant: the general reader falls back to context.tenant
        #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": null, "context": {"tenant": "acme"}}, "context": {}}"#,
        // escapes and non-ASCII in strings, and in a member name
        #"{"user": {"key": "al\u0069ce"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#,
        #"{"user": {"key": "zoë"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#,
        #"{"us\u0065r": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#,
        // the same member twice: the general reader keeps the last
        #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}, "action": "delete"}"#,
        // no top-level context; a string user and resource
        #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "1", "tenant": "default", "context": {"tenant": "default"}}}"#,
        #"{"user": "alice", "action": "read", "resource": "task:1"}"#,
        // a key that is neither a string nor null
        #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": 7, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#,
    ]

    @Test(arguments: otherShapes)
    func otherShapesAreLeftToTheGeneralReaderWithTheCursorUntouched(_ body: String) throws {
        let bytes = Array(body.utf8)
        let (taken, index, _) = try Self.shapeReaderTakes(bytes)
        #expect(!taken)
        #expect(index == 0)
        #expect(Self.read(bytes, sdkShape: true) == Self.read(bytes, sdkShape: false))
    }

    @Test func aCheckTheDepthLimitRefusesIsLeftToTheGeneralReader() throws {
        let bytes = Array(SDKBodies.checkTypeOnly.utf8)
        #expect(try Self.shapeReaderTakes(bytes, maxDepth: 2).taken == false)
        #expect(try Self.shapeReaderTakes(bytes, maxDepth: 3).taken == true)
        let limits = JSONLimits(maxDepth: 2)
        let general = Self.read(bytes, sdkShape: false, limits: limits)
        #expect(general.error?.kind == .syntax)
        #expect(Self.read(bytes, sdkShape: true, limits: limits) == general)
    }

    /// Every prefix of a shaped check, and random edits of shaped checks and of bulk bodies made
    /// of them: the readers give the same checks, item counts and errors with the shape reader
    /// as without it, for a single check, a bulk body, and a bulk body read in slices.
    @Test func everyReaderAnswersAsTheGeneralReaderDoesOnEditedBodies() throws {
        var accepted = 0
        for seed in Self.shaped {
            let bytes = Array(seed.utf8)
            for length in 0...bytes.count {
                let prefix = Array(bytes[0..<length])
                #expect(Self.read(prefix, sdkShape: true) == Self.read(prefix, sdkShape: false), "prefix \(length) of \(seed)")
            }
        }
        var generator = SplitMix64(seed: 0x5DC_5_4A9E)
        let interesting: [UInt8] = Array(#"{}[]",:\unlt "#.utf8) + [0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]
        for round in 0..<6_000 {
            let single = round % 2 == 0
            var bytes: [UInt8]
            if single {
                bytes = Array(Self.shaped[round % Self.shaped.count].utf8)
            } else {
                let items = (0..<(1 + round % 5)).map { Self.shaped[($0 + round) % Self.shaped.count] }
                bytes = Array(("[" + items.joined(separator: round % 3 == 0 ? ", " : ",") + "]").utf8)
            }
            ByteEdits.apply(Int.random(in: 0...3, using: &generator), to: &bytes, interesting: interesting, using: &generator)
            if single {
                let withShape = Self.read(bytes, sdkShape: true)
                #expect(withShape == Self.read(bytes, sdkShape: false), "\(String(decoding: bytes, as: UTF8.self))")
                if (try? Self.shapeReaderTakes(bytes))?.taken == true { accepted += 1 }
            } else {
                #expect(Self.readBulk(bytes, sdkShape: true) == Self.readBulk(bytes, sdkShape: false), "\(String(decoding: bytes, as: UTF8.self))")
                let parts = 1 + round % 4
                #expect(Self.readSlices(bytes, parts: parts, sdkShape: true) == Self.readSlices(bytes, parts: parts, sdkShape: false),
                        "\(parts) slices of \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        // The comparison covered checks the shape reader took (unedited and harmlessly edited).
        #expect(accepted > 500)
    }
}
