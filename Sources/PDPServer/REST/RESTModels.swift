// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPFacts
import PDPStore
import PDPWire

/// Permit's REST read models (`UserRead`, `TenantRead`, `RoleAssignmentRead`, `RoleRead`,
/// `ResourceRead`) with every field the SDKs require: UUIDs from ``StableID``, RFC 3339
/// timestamps, and the organization, project and environment ids.
enum RESTModels {
    static func scope(into writer: inout JSONWriter) {
        writer.beginObject()
        scopeIDs(into: &writer)
        writer.endObject()
    }

    /// `organization_id`, `project_id`, `environment_id`: on the scope and every read model.
    private static func scopeIDs(into writer: inout JSONWriter) {
        writer.key("organization_id")
        writer.string(StableID.organization)
        writer.key("project_id")
        writer.string(StableID.project)
        writer.key("environment_id")
        writer.string(StableID.environment)
    }

    private static func ids(_ kind: String, _ key: String, into writer: inout JSONWriter) {
        writer.key("key")
        writer.string(key)
        writer.key("id")
        writer.string(StableID.id(kind, key))
        scopeIDs(into: &writer)
    }

    private static func optional(_ name: String, _ value: String?, into writer: inout JSONWriter) {
        writer.key(name)
        if let value { writer.string(value) } else { writer.null() }
    }

    private static func timestamps(created: Timestamp, updated: Timestamp, into writer: inout JSONWriter) {
        writer.key("created_at")
        writer.string(created.rfc3339)
        writer.key("updated_at")
        writer.string(updated.rfc3339)
    }

    static func user(_ user: UserRecord, roles: [AssignmentKey], into writer: inout JSONWriter) {
        writer.beginObject()
        ids("user", user.key, into: &writer)
        optional("email", user.email, into: &writer)
        optional("first_name", user.firstName, into: &writer)
        optional("last_name", user.lastName, into: &writer)
        writer.key("attributes")
        writer.attributes(user.attributes)
        timestamps(created: user.createdAt, updated: user.updatedAt, into: &writer)
        writer.key("roles")
        writer.beginArray()
        for role in roles {
            writer.beginObject()
            writer.key("role")
            writer.string(role.role)
            writer.key("tenant")
            writer.string(role.tenant)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    static func tenant(_ tenant: TenantRecord, into writer: inout JSONWriter) {
        writer.beginObject()
        ids("tenant", tenant.key, into: &writer)
        writer.key("name")
        writer.string(tenant.name)
        optional("description", tenant.description, into: &writer)
        writer.key("attributes")
        writer.attributes(tenant.attributes)
        timestamps(created: tenant.createdAt, updated: tenant.updatedAt, into: &writer)
        writer.key("last_action_at")
        writer.string(tenant.lastActionAt.rfc3339)
        writer.endObject()
    }

    static func assignment(_ key: AssignmentKey, createdAt: Timestamp, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.string(StableID.id("role_assignment", "\(key.user)/\(key.role)/\(key.tenant)"))
        writer.assignmentMembers(key)
        writer.key("resource_instance")
        writer.null()
        writer.key("user_id")
        writer.string(StableID.id("user", key.user))
        writer.key("role_id")
        writer.string(StableID.id("role", key.role))
        writer.key("tenant_id")
        writer.string(StableID.id("tenant", key.tenant))
        scopeIDs(into: &writer)
        writer.key("created_at")
        writer.string(createdAt.rfc3339)
        writer.endObject()
    }

    static func role(_ id: RoleID, policy: CompiledPolicy, loadedAt: Timestamp, into writer: inout JSONWriter) {
        let role = policy.roles[id.index]
        writer.beginObject()
        ids("role", role.key, into: &writer)
        writer.key("name")
        writer.string(role.name ?? role.key)
        optional("description", role.description, into: &writer)
        writer.key("permissions")
        writer.strings(role.direct.elements.map { policy.permissionString(PermissionSlot(Int32($0))) })
        writer.key("extends")
        writer.strings(role.extends.map { policy.roles[$0.index].key })
        timestamps(created: loadedAt, updated: loadedAt, into: &writer)
        writer.endObject()
    }

    static func resource(_ id: ResourceTypeID, policy: CompiledPolicy, loadedAt: Timestamp, into writer: inout JSONWriter) {
        let type = policy.resourceTypes[id.index]
        writer.beginObject()
        ids("resource", type.key, into: &writer)
        writer.key("name")
        writer.string(type.name ?? type.key)
        optional("description", type.description, into: &writer)
        writer.key("urn")
        writer.null()
        writer.key("actions")
        writer.beginObject()
        for action in type.actions {
            let key = policy.actionKeys[action.index]
            writer.key(key)
            writer.beginObject()
            writer.key("id")
            writer.string(StableID.id("action", "\(type.key):\(key)"))
            writer.key("key")
            writer.string(key)
            writer.key("name")
            writer.string(key)
            writer.endObject()
        }
        writer.endObject()
        writer.key("attributes")
        writer.beginObject()
        for attribute in type.attributes {
            writer.key(attribute.name)
            writer.beginObject()
            writer.key("type")
            writer.string(attribute.type)
            writer.key("id")
            writer.string(StableID.id("attribute", "\(type.key):\(attribute.name)"))
            writer.key("key")
            writer.string(attribute.name)
            writer.endObject()
        }
        writer.endObject()
        timestamps(created: loadedAt, updated: loadedAt, into: &writer)
        writer.endObject()
    }
}
