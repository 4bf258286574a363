// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPCore
import PDPFacts
import PDPStore
import PDPWire

/// The facts and schema API: reads answer at once from the published ``FactsCatalog``;
/// writes go to the ``FactsWriter`` and answer when durable and visible to checks.
enum FactsEndpoints {
    static func respond(
        _ route: RESTRoute, method: HTTPMethod, query: Substring, body: ByteBuffer, context: EndpointContext,
        catalog: FactsCatalog, facts: FactsWriter, eventLoop: any EventLoop
    ) -> DispatchOutcome {
        let allocator = context.allocator
        // Path ids may be stable ids or keys: resolved once, against the published catalog.
        let route = catalog.resolving(route)
        do throws(RESTError) {
            switch method {
            case .GET, .HEAD:
                return .immediate(try read(route, query: query, catalog: catalog, allocator: allocator))
            default:
                let write = try parseWrite(route, method: method, body: body, limits: context.jsonLimits, catalog: catalog)
                let future = facts.submit(write, on: eventLoop).map { result in
                    switch result {
                    case .success(let reply): render(reply, allocator: allocator)
                    case .failure(let error): RESTError(error).response(allocator: allocator)
                    }
                }
                return .deferred(future)
            }
        } catch {
            return .immediate(error.response(allocator: allocator))
        }
    }

    private static func parseWrite(
        _ route: RESTRoute, method: HTTPMethod, body: ByteBuffer, limits: JSONLimits, catalog: FactsCatalog
    ) throws(RESTError) -> FactsWrite {
        switch (route, method) {
        case (.user(let key), .DELETE): return .deleteUser(key: key)
        case (.tenant(let key), .DELETE): return .deleteTenant(key: key)
        case (.tenantUser(let tenant, let user), .DELETE): return .removeTenantUser(tenant: tenant, user: user)
        default: break
        }
        let input = try RESTInput(body, limits: limits)
        switch (route, method) {
        case (.users, .POST): return .createUser(try input.user(key: nil))
        case (.user(let key), .PUT): return .syncUser(try input.user(key: key))
        case (.user(let key), .PATCH): return .updateUser(try input.user(key: key))
        case (.userRoles(let user), .POST): return .assign(try input.assignments(user: user, bulk: false), bulk: false)
        case (.userRoles(let user), .DELETE): return .unassign(try input.assignments(user: user, bulk: false), bulk: false)
        case (.roleAssignments, .POST): return .assign(try input.assignments(user: nil, bulk: false), bulk: false)
        case (.roleAssignments, .DELETE): return .unassign(try input.assignments(user: nil, bulk: false), bulk: false)
        case (.roleAssignmentsBulk, .POST): return .assign(try input.assignments(user: nil, bulk: true), bulk: true)
        case (.roleAssignmentsBulk, .DELETE): return .unassign(try input.assignments(user: nil, bulk: true), bulk: true)
        case (.tenants, .POST): return .createTenant(try input.tenant(key: nil))
        case (.tenant(let key), .PATCH): return .updateTenant(try input.tenant(key: key))
        case (.bulkUsers, .POST): return .bulkUsers(try input.bulkUsers(), replace: false)
        case (.bulkUsers, .PUT): return .bulkUsers(try input.bulkUsers(), replace: true)
        case (.bulkUsers, .DELETE): return .bulkDeleteUsers(try input.idents().map { catalog.userKey($0) })
        case (.bulkTenants, .POST): return .bulkTenants(try input.bulkTenants(), replace: false)
        case (.bulkTenants, .PUT): return .bulkTenants(try input.bulkTenants(), replace: true)
        case (.bulkTenants, .DELETE): return .bulkDeleteTenants(try input.idents().map { catalog.tenantKey($0) })
        default: throw RESTError(status: .methodNotAllowed, code: "INVALID_INPUT", title: "Method Not Allowed", message: "\(method) is not allowed here")
        }
    }

    static func render(_ reply: FactsReply, allocator: ByteBufferAllocator) -> EndpointResponse {
        var writer = JSONWriter(buffer: allocator.responseBuffer(capacity: 512))
        let status: HTTPResponseStatus
        switch reply {
        case .user(let user, let roles, let created):
            RESTModels.user(user, roles: roles, into: &writer)
            status = created ? .created : .ok
        case .assignment(let key, let createdAt):
            RESTModels.assignment(key, createdAt: createdAt, into: &writer)
            status = .created
        case .tenant(let tenant, let created):
            RESTModels.tenant(tenant, into: &writer)
            status = created ? .created : .ok
        case .assignmentsCreated(let count), .assignmentsRemoved(let count):
            writer.beginObject()
            if case .assignmentsCreated = reply { writer.key("assignments_created") } else { writer.key("assignments_removed") }
            writer.int(count)
            writer.endObject()
            status = .ok
        case .emptyObject:
            writer.beginObject()
            writer.endObject()
            status = .ok
        case .noContent:
            status = .noContent
        }
        return EndpointResponse(status: status, body: writer.buffer)
    }
}
