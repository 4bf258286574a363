// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPCore
import PDPFacts
import PDPWire

/// `/user-permissions`, `/authorized_users`, `/user-tenants` and `/local/role_assignments`:
/// listings rather than single decisions, answered from the same snapshot.
enum QueryEndpoints {
    /// `{"__tenant:<key>": {"tenant": {...}, "permissions": ["type:action", ...], "roles": [...]}}`.
    ///
    /// `resources` (`type:key` strings) narrows the answer to those resource types: roles are
    /// tenant-wide, so a type-level permission is what a resource instance gets.
    static func userPermissions(_ body: ByteBuffer, _ context: EndpointContext) throws(WireError) -> EndpointResponse {
        let request = try UserPermissionsRequest(parsing: body, limits: context.jsonLimits)
        var types = request.resourceTypes
        if let resources = request.resources {
            types = (types ?? []) + resources.map(\.type)
        }
        let permissions = context.snapshot.permissions(ofUser: request.userKey, tenants: request.tenants, resourceTypes: types)
        var writer = JSONWriter(buffer: context.responseBuffer(capacity: 256))
        writer.beginObject()
        for entry in permissions {
            writer.key("__tenant:\(entry.tenant.key)")
            writer.beginObject()
            writer.key("tenant")
            TenantJSON.write(entry.tenant, into: &writer)
            writer.key("permissions")
            writer.strings(entry.permissions)
            writer.key("roles")
            writer.strings(entry.roles)
            writer.endObject()
        }
        writer.endObject()
        return .ok(writer.buffer)
    }

    /// `{"resource": "task:*", "tenant": "default", "users": {"alice": [{"user", "tenant", "resource", "role"}]}}`.
    ///
    /// Walks only the tenant's assignments, already in user order in the catalog's listings;
    /// the answer may still name every user of the tenant, so the dispatcher runs this off
    /// the event loop.
    static func authorizedUsers(_ request: AuthorizedUsersRequest, catalog: FactsCatalog, allocator: ByteBufferAllocator) -> EndpointResponse {
        let tenant = request.tenant ?? FactsIndex.defaultTenantKey
        let users = catalog.authorizedUsers(action: request.action, resourceType: request.resourceType, tenant: tenant)
        var writer = JSONWriter(buffer: allocator.responseBuffer(capacity: 128 + 96 * users.count))
        writer.beginObject()
        writer.key("resource")
        writer.string("\(request.resourceType):\(request.resourceKey ?? "*")")
        writer.key("tenant")
        writer.string(tenant)
        writer.key("users")
        writer.beginObject()
        for user in users {
            writer.key(user.user)
            writer.beginArray()
            for role in user.roles {
                writer.beginObject()
                writer.key("user")
                writer.string(user.user)
                writer.key("tenant")
                writer.string(tenant)
                writer.key("resource")
                writer.string("__tenant:\(tenant)")
                writer.key("role")
                writer.string(role)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        writer.endObject()
        return .ok(writer.buffer)
    }

    /// `[{"key": "default", "attributes": {}}]`: the tenants where the user holds a role.
    static func userTenants(_ body: ByteBuffer, _ context: EndpointContext) throws(WireError) -> EndpointResponse {
        let request = try UserTenantsRequest(parsing: body, limits: context.jsonLimits)
        let tenants = context.snapshot.tenants(ofUser: request.userKey)
        var writer = JSONWriter(buffer: context.responseBuffer(capacity: 64 * (tenants.count + 1)))
        writer.beginArray()
        for tenant in tenants { TenantJSON.write(tenant, into: &writer) }
        writer.endArray()
        return .ok(writer.buffer)
    }

    /// `GET /local/role_assignments?page=1&per_page=100&user=&role=&tenant=&resource=&resource_instance=`.
    ///
    /// `per_page` is 1...100 and `page` 1...``Pagination/maxPage`` (else 422, as Permit's PDP). This PDP has
    /// tenant roles only, so a `resource` or `resource_instance` filter matches nothing.
    /// The assignments in effect (not those the policy cannot apply), a page of the catalog's
    /// sorted listings: O(log n + page size).
    static func roleAssignments(_ query: Substring, _ context: EndpointContext, catalog: FactsCatalog) -> EndpointResponse {
        let parameters = QueryParameters(query)
        let pagination: Pagination
        do {
            pagination = try Pagination(validating: parameters)
        } catch {
            return ErrorResponse.make(
                .unprocessableEntity, code: "invalid_request", detail: "\(error.parameter.isEmpty ? "query" : error.parameter): \(error.message)",
                field: error.parameter, allocator: context.allocator)
        }
        var slice: [RoleAssignment] = []
        if parameters["resource"].map({ $0.isEmpty }) ?? true, parameters["resource_instance"].map({ $0.isEmpty }) ?? true {
            let filter = AssignmentFilter(
                users: parameters["user"].map { [$0] } ?? [], roles: parameters["role"].map { [$0] } ?? [],
                tenants: parameters["tenant"].map { [$0] } ?? [])
            slice = catalog.assignments(matching: filter, offset: pagination.offset, limit: pagination.perPage, effectiveOnly: true)
        }
        var writer = JSONWriter(buffer: context.responseBuffer(capacity: 16 + 80 * slice.count))
        writer.beginArray()
        for assignment in slice {
            writer.beginObject()
            writer.assignmentMembers(assignment)
            writer.key("resource_instance")
            writer.null()
            writer.endObject()
        }
        writer.endArray()
        return .ok(writer.buffer)
    }
}
