// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import PDPCore
import PDPStore
import PDPWire

extension FactsEndpoints {
    static func read(_ route: RESTRoute, query: Substring, catalog: FactsCatalog, allocator: ByteBufferAllocator) throws(RESTError) -> EndpointResponse {
        let parameters = QueryParameters(query)
        let executor = FactsWriteExecutor(statics: catalog.statics, policy: catalog.policy, policyLoadedAt: catalog.policyLoadedAt, now: catalog.policyLoadedAt)
        var writer = JSONWriter(buffer: allocator.responseBuffer(capacity: 1024))
        switch route {
        case .scope:
            RESTModels.scope(into: &writer)
        case .user(let key):
            guard let user = executor.user(key, in: catalog.api) else { throw .notFound("user '\(key)' does not exist") }
            RESTModels.user(user, roles: catalog.assignments(ofUser: key), into: &writer)
        case .users:
            let pagination = try Pagination(parameters)
            let keys = Set(catalog.api.users.keys).union(catalog.statics.users.keys).sorted()
            userPage(keys, pagination: pagination, catalog: catalog, executor: executor, into: &writer)
        case .tenantUsers(let tenant):
            guard catalog.tenantExists(tenant) else { throw .notFound("tenant '\(tenant)' does not exist") }
            let pagination = try Pagination(parameters)
            var members = Set<String>()
            for key in catalog.statics.assignments where key.tenant == tenant { members.insert(key.user) }
            for key in catalog.api.assignments.keys where key.tenant == tenant { members.insert(key.user) }
            userPage(members.sorted(), pagination: pagination, catalog: catalog, executor: executor, into: &writer)
        case .roleAssignments:
            let pagination = try Pagination(parameters)
            let users = Set(parameters.all("user").filter { !$0.isEmpty })
            let roles = Set(parameters.all("role").filter { !$0.isEmpty })
            let tenants = Set(parameters.all("tenant").filter { !$0.isEmpty })
            let instanceFilter = !(parameters["resource"] ?? "").isEmpty || !(parameters["resource_instance"] ?? "").isEmpty
            let matching = instanceFilter ? [] : catalog.allAssignments().filter { entry in
                (users.isEmpty || users.contains(entry.key.user)) && (roles.isEmpty || roles.contains(entry.key.role))
                    && (tenants.isEmpty || tenants.contains(entry.key.tenant))
            }
            writer.beginArray()
            for entry in pagination.slice(matching) { RESTModels.assignment(entry.key, createdAt: entry.createdAt, into: &writer) }
            writer.endArray()
        case .tenant(let key):
            guard let tenant = tenantRecord(key, catalog) else { throw .notFound("tenant '\(key)' does not exist") }
            RESTModels.tenant(tenant, into: &writer)
        case .tenants:
            let pagination = try Pagination(parameters)
            let keys = Set(catalog.api.tenants.keys).union(catalog.statics.tenants.keys).sorted()
            writer.beginArray()
            for key in pagination.slice(keys) { if let tenant = tenantRecord(key, catalog) { RESTModels.tenant(tenant, into: &writer) } }
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
        case .userRoles, .roleAssignmentsBulk, .tenantUser, .bulkUsers, .bulkTenants:
            throw RESTError(status: .methodNotAllowed, code: "INVALID_INPUT", title: "Method Not Allowed", message: "use POST or DELETE")
        }
        return .ok(writer.buffer)
    }

    /// One page of `keys` (sorted user keys) as `{"data": [UserRead], "total_count",
    /// "page_count"}`, each user with all its roles (collected for the page's users only).
    private static func userPage(
        _ keys: [String], pagination: Pagination, catalog: FactsCatalog, executor: FactsWriteExecutor, into writer: inout JSONWriter
    ) {
        let page = pagination.slice(keys)
        let onPage = Set(page)
        var byUser: [String: Set<AssignmentKey>] = [:]
        for key in catalog.statics.assignments where onPage.contains(key.user) { byUser[key.user, default: []].insert(key) }
        for key in catalog.api.assignments.keys where onPage.contains(key.user) { byUser[key.user, default: []].insert(key) }
        writer.beginObject()
        writer.key("data")
        writer.beginArray()
        for key in page {
            if let user = executor.user(key, in: catalog.api) { RESTModels.user(user, roles: (byUser[key] ?? []).sorted(), into: &writer) }
        }
        writer.endArray()
        writer.key("total_count")
        writer.int(keys.count)
        writer.key("page_count")
        writer.int(pagination.pageCount(total: keys.count))
        writer.endObject()
    }

    /// The API record of a tenant, or one made from its policy declaration.
    static func tenantRecord(_ key: String, _ catalog: FactsCatalog) -> TenantRecord? {
        if let declared = catalog.statics.tenants[key] {
            let time = catalog.policyLoadedAt
            return TenantRecord(
                key: key, name: declared.name ?? key, description: declared.description, attributes: declared.attributes,
                createdAt: time, updatedAt: time, lastActionAt: time)
        }
        return catalog.api.tenants[key]
    }
}
