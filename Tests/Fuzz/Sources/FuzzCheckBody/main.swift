// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the `/allowed` and `/allowed/all-tenants` body reader of the hot path
// (CheckRequestReader.read), with the default and with tight JSON limits. A crash or a
// sanitizer report is a finding; a thrown WireError is the expected answer to bad input.
// Differential: the reader with the SDK-shape reader (as served) and without it (the general
// reader alone) must give the same fields or the same error for every input.
//   scripts/fuzz.sh FuzzCheckBody 60
@testable import PDPWire

nonisolated(unsafe) let scratch = JSONScratch(initialCapacity: 64)
let limitSets = [JSONLimits.default, JSONLimits(maxDepth: 4, maxBytes: 4_096)]

/// Reads every byte of a view (ASan checks each read), as the decision's lookups do.
func touch(_ view: JSONStringView?) -> UInt8 {
    view?.bytes.reduce(0, &+) ?? 0
}

/// The fields as values that outlive the read, or the error.
func outcome(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits, sdkShape: Bool) -> String {
    do {
        return try CheckRequestReader.read(bytes, scratch: scratch, limits: limits, sdkShape: sdkShape) { fields in
            _ = touch(fields.userKey) &+ touch(fields.action) &+ touch(fields.resourceType) &+ touch(fields.resourceKey) &+ touch(fields.tenant)
            return [fields.userKey.string, fields.action.string, fields.resourceType.string, fields.resourceKey?.string ?? "<nil>", fields.tenant?.string ?? "<nil>"]
                .joined(separator: "\u{0}")
        }
    } catch {
        return "error: \(error)"
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckBody(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    for limits in limitSets {
        let served = outcome(bytes, limits: limits, sdkShape: true)
        let general = outcome(bytes, limits: limits, sdkShape: false)
        precondition(served == general, "the SDK-shape reader read \(served.debugDescription), the general reader \(general.debugDescription)")
    }
    return 0
}
