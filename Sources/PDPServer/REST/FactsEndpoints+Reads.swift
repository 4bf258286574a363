// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPCore
import PDPFacts
import PDPStore
import PDPWire

extension FactsEndpoints {
    /// Answers a GET from the published catalog. Lists are pages of its sorted listings:
    /// O(log n + page size) on the event loop, whatever the number of facts.
    static func read(_ route: RESTRoute, query: Substring, catalog: FactsCatalog, allocator: ByteBufferAllocator) throws(RESTError) -> EndpointResponse {
        let parameters = QueryParameters(query)
        var writer = JSONWriter(buffer: allocator.responseBuffer(capacity: 1024))
        switch route {
        case .scope:
            RESTModels.scope(into: &writer)
        case .user(let key):
            guard let user = catalog.user(key) else { throw .notFound("user '\(key)' does not exist") }
            RESTModels.user(user, roles: catalog.assignments(ofUser: key), into: &writer)
        case .users:
            let pagination = try Pagination(parameters)
            userPage(catalog.users(offset: pagination.offset, limit: pagination.perPage), pagination: pagination, catalog: catalog, into: &writer)
        case .tenantUsers(let tenant):
            guard catalog.tenantExists(tenant) else { throw .notFound("tenant '\(tenant)' does not exist") }
            let pagination = try Pagination(parameters)
            let page = catalog.users(inTenant: tenant, offset: pagination.offset, limit: pagination.perPage)
            userPage(page, pagination: pagination, catalog: catalog, into: &writer)
        case .roleAssignments:
            let pagination = try Pagination(parameters)
            let instanceFilter = !(parameters["resource"] ?? "").isEmpty || !(parameters["resource_instance"] ?? "").isEmpty
            let filter = AssignmentFilter(users: parameters.all("user"), roles: parameters.all("role"), tenants: parameters.all("tenant"))
            let page = instanceFilter ? [] : catalog.assignments(matching: filter, offset: pagination.offset, limit: pagination.perPage, effectiveOnly: false)
            writer.beginArray()
            for key in page { RESTModels.assignment(key, createdAt: catalog.createdAt(key), into: &writer) }
            writer.endArray()
        case .tenant(let key):
            guard let tenant = catalog.tenant(key) else { throw .notFound("tenant '\(key)' does not exist") }
            RESTModels.tenant(tenant, into: &writer)
        case .tenants:
            let pagination = try Pagination(parameters)
            writer.beginArray()
            for key in catalog.tenants(offset: pagination.offset, limit: pagination.perPage).items {
                if let tenant = catalog.tenant(key) { RESTModels.tenant(tenant, into: &writer) }
            }
            writer.endArray()
        case .roles:
            let pagination = try Pagination(parameters)
            writer.beginArray()
            for index in pagination.slice(Array(catalog.policy.roles.indices)) {
                RESTModels.role(RoleID(Int32(index)), policy: catalog.policy, loadedAt: catalog.policyLoadedAt, into: &writer)
            }
            writer.endArray()
        case .role(let key):
            guard let id = catalog.policy.roleID(key) else { throw .notFound("role '\(key)' does not exist in the policy") }
            RESTModels.role(id, policy: catalog.policy, loadedAt: catalog.policyLoadedAt, into: &writer)
        case .resources:
            let pagination = try Pagination(parameters)
            writer.beginArray()
            for index in pagination.slice(Array(catalog.policy.resourceTypes.indices)) {
                RESTModels.resource(ResourceTypeID(Int32(index)), policy: catalog.policy, loadedAt: catalog.policyLoadedAt, into: &writer)
            }
            writer.endArray()
        case .resource(let key):
            guard let id = catalog.policy.resourceTypeID(key) else { throw .notFound("resource '\(key)' does not exist in the policy") }
            RESTModels.resource(id, policy: catalog.policy, loadedAt: catalog.policyLoadedAt, into: &writer)
        case .userRoles, .roleAssignmentsBulk, .tenantUser, .bulkUsers, .bulkTenants, .authorizedUsers:
            throw RESTError(status: .methodNotAllowed, code: "INVALID_INPUT", title: "Method Not Allowed", message: "use POST or DELETE")
        }
        return .ok(writer.buffer)
    }

    /// One page of users as `{"data": [UserRead], "total_count", "page_count"}`, each user
    /// with all its roles (looked up for the page's users only).
    private static func userPage(_ page: ListingPage<String>, pagination: Pagination, catalog: FactsCatalog, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("data")
        writer.beginArray()
        for key in page.items {
            if let user = catalog.user(key) { RESTModels.user(user, roles: catalog.assignments(ofUser: key), into: &writer) }
        }
        writer.endArray()
        writer.key("total_count")
        writer.int(page.total)
        writer.key("page_count")
        writer.int(pagination.pageCount(total: page.total))
        writer.endObject()
    }
}
