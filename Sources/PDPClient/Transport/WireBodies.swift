// SPDX-License-Identifier: Apache-2.0

/// The JSON bodies the client sends and reads, in Permit's wire shapes (permit-wire.md §3, §4).
enum WireBodies {
    /// One `/allowed` body. The tenant is always filled in (the SDKs' default-tenant rule),
    /// and repeated in `resource.context.tenant` as the Python SDK does.
    struct Check: Encodable {
        struct Resource: Encodable {
            var type: String
            var key: String?
            var tenant: String
            var attributes: [String: PDPValue]?
            var context: [String: PDPValue]
        }

        var user: PDPUser
        var action: String
        var resource: Resource
        var context: [String: PDPValue]

        init(_ check: PDPCheck, defaultTenant: String) {
            let tenant = check.resource.tenant ?? defaultTenant
            user = check.user
            action = check.action
            resource = Resource(
                type: check.resource.type, key: check.resource.key, tenant: tenant,
                attributes: check.resource.attributes, context: ["tenant": .string(tenant)])
            context = check.context
        }
    }

    /// `{"allow": bool, ...}`. `allow` is required: an answer without it is a bad answer
    /// (fail closed), unlike the Python SDK's silent `False`.
    struct Decision: Decodable {
        var allow: Bool
    }

    /// `{"allow": [Decision]}`, or the older `{"result": {"allow": [Decision]}}`.
    struct BulkDecision: Decodable {
        struct Wrapped: Decodable { var allow: [Decision] }
        var allow: [Decision]?
        var result: Wrapped?

        var decisions: [Decision]? { allow ?? result?.allow }
    }

    struct UserPermissionsQuery: Encodable {
        var user: PDPUser
        var tenants: [String]?
        var resource_types: [String]?
    }

    struct UserSync: Encodable {
        var key: String
        var email: String?
        var first_name: String?
        var last_name: String?
        var attributes: [String: PDPValue]?
    }

    struct RoleChange: Encodable {
        var role: String
        var tenant: String
    }

    struct Scope: Decodable {
        var project_id: String?
        var environment_id: String?
    }

    /// Permit's `ErrorDetails` (`error_code`, `message`) or FastAPI's `{"detail": ...}`.
    struct ErrorBody: Decodable {
        var error_code: String?
        var message: String?
        var title: String?
    }
}
