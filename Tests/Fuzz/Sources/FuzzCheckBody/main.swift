// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the `/allowed` and `/allowed/all-tenants` body reader of the hot path
// (CheckRequestReader.read), with the default and with tight JSON limits. A crash or a
// sanitizer report is a finding; a thrown WireError is the expected answer to bad input.
//   scripts/fuzz.sh FuzzCheckBody 60
import PDPWire

nonisolated(unsafe) let scratch = JSONScratch(initialCapacity: 64)
let limitSets = [JSONLimits.default, JSONLimits(maxDepth: 4, maxBytes: 4_096)]

/// Reads every byte of a view (ASan checks each read), as the decision's lookups do.
func touch(_ view: JSONStringView?) -> UInt8 {
    view?.bytes.reduce(0, &+) ?? 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckBody(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    for limits in limitSets {
        _ = try? CheckRequestReader.read(bytes, scratch: scratch, limits: limits) { fields in
            touch(fields.userKey) &+ touch(fields.action) &+ touch(fields.resourceType) &+ touch(fields.resourceKey) &+ touch(fields.tenant)
        }
    }
    return 0
}
