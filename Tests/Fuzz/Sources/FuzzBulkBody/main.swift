// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the `/allowed/bulk` body reader (CheckRequestReader.readBulk), with the
// default limits and with tight ones (few items, shallow nesting). Items are delivered one at
// a time before a later item fails, so every delivered view is read while it is valid.
// Differential: with the SDK-shape reader (as served) and without it, the same items, count
// and error for every input.
//   scripts/fuzz.sh FuzzBulkBody 60
@testable import PDPWire

nonisolated(unsafe) let scratch = JSONScratch(initialCapacity: 64)
let limitSets = [(JSONLimits.default, 1_000), (JSONLimits(maxDepth: 4, maxBytes: 4_096), 3)]

func touch(_ view: JSONStringView?) -> UInt8 {
    view?.bytes.reduce(0, &+) ?? 0
}

/// Each item's fields as values that outlive the read, then the count or the error.
func outcome(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits, maxItems: Int, sdkShape: Bool) -> [String] {
    var sum: UInt8 = 0
    var seen = -1
    var out: [String] = []
    do {
        let items = try CheckRequestReader.readBulk(bytes, scratch: scratch, limits: limits, maxItems: maxItems, sdkShape: sdkShape) { index, fields in
            // Items arrive in order, each once.
            precondition(index == seen + 1, "bulk item \(index) delivered after \(seen)")
            seen = index
            sum = sum &+ touch(fields.userKey) &+ touch(fields.action) &+ touch(fields.resourceType) &+ touch(fields.resourceKey) &+ touch(fields.tenant)
            out.append([fields.userKey.string, fields.action.string, fields.resourceType.string, fields.resourceKey?.string ?? "<nil>", fields.tenant?.string ?? "<nil>"]
                .joined(separator: "\u{0}"))
        }
        precondition(items == seen + 1 && items <= maxItems, "readBulk returned \(items) after \(seen + 1) items")
        out.append("items: \(items)")
    } catch {
        out.append("error: \(error)")
    }
    _ = sum
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBulkBody(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    for (limits, maxItems) in limitSets {
        let served = outcome(bytes, limits: limits, maxItems: maxItems, sdkShape: true)
        let general = outcome(bytes, limits: limits, maxItems: maxItems, sdkShape: false)
        precondition(served == general, "the SDK-shape reader read \(served), the general reader \(general)")
    }
    return 0
}
