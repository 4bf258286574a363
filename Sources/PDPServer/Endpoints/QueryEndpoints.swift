// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPCore
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
    static func authorizedUsers(_ body: ByteBuffer, _ context: EndpointContext) throws(WireError) -> EndpointResponse {
        let request = try AuthorizedUsersRequest(parsing: body, limits: context.jsonLimits)
        let tenant = request.tenant ?? FactsIndex.defaultTenantKey
        let users = context.snapshot.authorizedUsers(action: request.action, resourceType: request.resourceType, tenant: tenant)
        var writer = JSONWriter(buffer: context.responseBuffer(capacity: 128 + 96 * users.count))
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
    static func roleAssignments(_ query: Substring, _ context: EndpointContext) -> EndpointResponse {
        let parameters = QueryParameters(query)
        let pagination: Pagination
        do {
            pagination = try Pagination(validating: parameters)
        } catch {
            return ErrorResponse.make(
                .unprocessableEntity, code: "invalid_request", detail: "\(error.parameter.isEmpty ? "query" : error.parameter): \(error.message)",
                field: error.parameter, allocator: context.allocator)
        }
        var assignments: [RoleAssignment] = []
        if parameters["resource"].map({ $0.isEmpty }) ?? true, parameters["resource_instance"].map({ $0.isEmpty }) ?? true {
            assignments = context.snapshot.roleAssignments(
                user: parameters["user"].flatMap { $0.isEmpty ? nil : $0 },
                role: parameters["role"].flatMap { $0.isEmpty ? nil : $0 },
                tenant: parameters["tenant"].flatMap { $0.isEmpty ? nil : $0 })
        }
        let slice = pagination.slice(assignments)
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
