// SPDX-License-Identifier: Apache-2.0

import PDPWire
import Testing

/// Reading a bulk body in slices (what the server does on several cores) yields exactly what
/// ``CheckRequestReader/readBulk`` yields, or declines (`nil`) so the caller reads it whole.
@Suite struct BulkSliceReaderTests {
    /// Slices read one after another with the cuts from `bulkSplitPoints`; `nil` when any
    /// slice declined. Throws like the slices do.
    func readSliced(_ json: String, parts: Int, maxItems: Int = 10_000) -> Result<[CheckSnapshot]?, WireError> {
        withBytes(json) { (bytes) throws(WireError) in
            var points: [Int] = []
            CheckRequestReader.bulkSplitPoints(bytes, parts: parts, into: &points)
            var items: [CheckSnapshot] = []
            var start = 0
            for end in points.map(Optional.some) + [nil] {
                let before = items.count
                let count = try CheckRequestReader.readBulkSlice(
                    bytes, from: start, to: end, scratch: JSONScratch(), maxItems: maxItems
                ) { index, fields in
                    precondition(index == items.count - before)
                    items.append(CheckSnapshot(fields))
                }
                guard count != nil else { return nil }
                start = end ?? bytes.count
            }
            return items
        }
    }

    func item(_ i: Int) -> String {
        #"{"user": {"key": "user-\#(i)"}, "action": "read", "resource": {"type": "task", "key": "k\#(i)", "tenant": "default"}, "context": {}}"#
    }

    @Test func slicesYieldTheItemsOfTheWholeBodyInOrder() throws {
        for separator in [",", ", ", " ,\n\t", "\r\n,  "] {
            let body = " [ " + (0..<500).map(item).joined(separator: separator) + " ]\n"
            let whole = try #require(readBulk(body, maxItems: 10_000).value)
            for parts in [2, 3, 4, 7, 16] {
                var points: [Int] = []
                _ = withBytes(body) { bytes in CheckRequestReader.bulkSplitPoints(bytes, parts: parts, into: &points) }
                #expect(points.count == parts - 1)
                #expect(readSliced(body, parts: parts).value == .some(whole))
            }
        }
    }

    @Test func aCutInsideAStringOrANestedArrayIsDeclined() throws {
        // Every `},{` outside the items' own boundaries: in a string and in nested objects.
        let tricky = (0..<200).map { i in
            #"{"user": "u\#(i)", "action": "read", "resource": "task", "context": {"note": "a},{b}, {c", "list": [{"x": 1},{"y": 2}, {"z": [{}, {}]}]}}"#
        }
        let body = "[" + tricky.joined(separator: ",") + "]"
        let whole = try #require(readBulk(body, maxItems: 10_000).value)
        var declined = 0
        for parts in 2...12 {
            // Either the exact items, or declined (`nil`, or an error from reading a slice
            // that starts inside an item): never different items.
            if let items = readSliced(body, parts: parts).value ?? nil { #expect(items == whole) } else { declined += 1 }
        }
        #expect(declined > 0, "no cut fell inside an item: the test does not exercise declining")
    }

    @Test func anInvalidBodyThrowsOrDeclinesButNeverYieldsItems() {
        let good = (0..<100).map(item)
        var bad = good
        bad[70] = #"{"user": "a", "action": 5, "resource": "task"}"#
        let schema = readSliced("[" + bad.joined(separator: ",") + "]", parts: 4)
        #expect(schema.value == nil)
        let trailing = readSliced("[" + good.joined(separator: ",") + ",]", parts: 4)
        #expect(trailing.value ?? nil == nil)
        let extra = readSliced("[" + good.joined(separator: ",") + "] x", parts: 4)
        #expect(extra.value ?? nil == nil)
        let notArray = readSliced("{\"a\": [" + good.joined(separator: ",") + "]}", parts: 4)
        #expect(notArray.value ?? nil == nil)
    }

    @Test func moreItemsThanAllowedInASliceDeclines() {
        let body = "[" + (0..<100).map(item).joined(separator: ",") + "]"
        #expect(readSliced(body, parts: 2, maxItems: 10).value == .some(nil))
        #expect(readSliced(body, parts: 2, maxItems: 100).value??.count == 100)
    }

    @Test func smallBodiesHaveNoCuts() {
        var points: [Int] = [42]
        _ = withBytes("[]") { bytes in CheckRequestReader.bulkSplitPoints(bytes, parts: 4, into: &points) }
        #expect(points.isEmpty)
        _ = withBytes("[" + item(1) + "]") { bytes in CheckRequestReader.bulkSplitPoints(bytes, parts: 4, into: &points) }
        #expect(points.isEmpty)
    }
}
