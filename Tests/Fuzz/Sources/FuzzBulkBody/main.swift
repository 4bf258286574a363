// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the `/allowed/bulk` body reader (CheckRequestReader.readBulk), with the
// default limits and with tight ones (few items, shallow nesting). Items are delivered one at
// a time before a later item fails, so every delivered view is read while it is valid.
//   scripts/fuzz.sh FuzzBulkBody 60
import PDPWire

nonisolated(unsafe) let scratch = JSONScratch(initialCapacity: 64)
let limitSets = [(JSONLimits.default, 1_000), (JSONLimits(maxDepth: 4, maxBytes: 4_096), 3)]

func touch(_ view: JSONStringView?) -> UInt8 {
    view?.bytes.reduce(0, &+) ?? 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBulkBody(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    for (limits, maxItems) in limitSets {
        var sum: UInt8 = 0
        var seen = -1
        let items = try? CheckRequestReader.readBulk(bytes, scratch: scratch, limits: limits, maxItems: maxItems) { index, fields in
            // Items arrive in order, each once.
            precondition(index == seen + 1, "bulk item \(index) delivered after \(seen)")
            seen = index
            sum = sum &+ touch(fields.userKey) &+ touch(fields.action) &+ touch(fields.resourceType) &+ touch(fields.resourceKey) &+ touch(fields.tenant)
        }
        if let items { precondition(items == seen + 1 && items <= maxItems, "readBulk returned \(items) after \(seen + 1) items") }
        _ = sum
    }
    return 0
}
