// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the facts API's body readers (RESTInput, internal to PDPServer): users,
// tenants, role assignments (single and bulk, with and without a user in the path), bulk
// users and tenants, and the ident lists of bulk deletes; every RESTError is rendered as the
// 4xx answer the client would get.
//   scripts/fuzz.sh FuzzRESTBodies 60
import NIOCore
import PDPWire
@testable import PDPServer

let allocator = ByteBufferAllocator()
let limits = JSONLimits(maxDepth: 16, maxBytes: 1 << 20)

func answer(_ body: () throws(RESTError) -> Int) -> Int {
    do throws(RESTError) {
        return try body()
    } catch {
        return error.response(allocator: allocator).body.readableBytes
    }
}

func readAll(_ buffer: ByteBuffer) throws(RESTError) -> Int {
    let input = try RESTInput(buffer, limits: limits)
    var total = 0
    total &+= answer { () throws(RESTError) in try input.user(key: nil).key.utf8.count }
    total &+= answer { () throws(RESTError) in try input.user(key: "path-key").key.utf8.count }
    total &+= answer { () throws(RESTError) in try input.assignments(user: nil, bulk: false).count }
    total &+= answer { () throws(RESTError) in try input.assignments(user: nil, bulk: true).count }
    total &+= answer { () throws(RESTError) in try input.assignments(user: "path-user", bulk: false).count }
    total &+= answer { () throws(RESTError) in try input.tenant(key: nil).key.utf8.count }
    total &+= answer { () throws(RESTError) in try input.tenant(key: "path-tenant").key.utf8.count }
    total &+= answer { () throws(RESTError) in try input.bulkUsers().count }
    total &+= answer { () throws(RESTError) in try input.bulkTenants().count }
    total &+= answer { () throws(RESTError) in try input.idents().count }
    return total
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESTBodies(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeRawBufferPointer(start: start, count: count))
    _ = answer { () throws(RESTError) in try readAll(buffer) }
    return 0
}
