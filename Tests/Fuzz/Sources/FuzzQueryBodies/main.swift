// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the readers of the other decision bodies: `/user-permissions`,
// `/authorized_users`, `/allowed_url`-free query bodies such as `/user-tenants`, and the
// generic JSON DOM the REST API reads with. Every reader sees every input; a parsed value
// must survive a round trip through its description without trapping.
//   scripts/fuzz.sh FuzzQueryBodies 60
import PDPWire

let limitSets = [JSONLimits.default, JSONLimits(maxDepth: 4, maxBytes: 4_096)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQueryBodies(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    for limits in limitSets {
        if let request = try? UserPermissionsRequest(parsing: bytes, limits: limits) {
            _ = request.userKey.utf8.count + (request.tenants?.count ?? 0) + (request.resources?.count ?? 0)
        }
        if let request = try? AuthorizedUsersRequest(parsing: bytes, limits: limits) {
            _ = request.action.utf8.count + request.resourceType.utf8.count
        }
        if let request = try? UserTenantsRequest(parsing: bytes, limits: limits) {
            _ = request.userKey.utf8.count
        }
        if let value = try? JSONValue.parse(bytes, limits: limits) {
            _ = "\(value)".utf8.count
        }
    }
    return 0
}
