// SPDX-License-Identifier: Apache-2.0

/// Bodies captured from the official Python SDK (permit-wire.md §3), byte for byte.
enum SDKBodies {
    static let checkTypeOnly = #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#
    static let checkWithKey = #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "42", "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#
    static let checkFull = #"{"user": {"key": "alice", "first_name": "Alice", "last_name": "Liddell", "email": "alice@example.com", "roles": [{"role": "editor", "tenant": "acme"}], "attributes": {"department": "eng"}}, "action": "update", "resource": {"type": "task", "key": "42", "tenant": "acme", "attributes": {"owner": "alice"}, "context": {"foo": "bar", "tenant": "acme"}}, "context": {"ip": "10.0.0.1"}}"#
    static let checkNulls = #"{"user": {"key": "alice", "email": null, "attributes": null}, "action": "read", "resource": {"type": "task", "key": "1", "tenant": "default", "attributes": null, "context": {"tenant": "default"}}, "context": {}}"#
    static let checkMergedContext = #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {"app": {"region": "eu", "tier": "gold"}, "shared": 1}}"#
    static let checkNoDefaultTenant = #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "42", "context": {}}, "context": {}}"#

    static let bulk = #"""
    [{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {"shared": "yes"}},
     {"user": {"key": "bob", "attributes": {"age": 30}}, "action": "update", "resource": {"type": "task", "key": "42", "tenant": "default", "context": {"tenant": "default"}}, "context": {"shared": "yes", "per_check": true}},
     {"user": {"key": "carol"}, "action": "delete", "resource": {"type": "task", "key": "7", "tenant": "acme", "context": {"tenant": "acme"}}, "context": {"shared": "yes"}}]
    """#
    static let filterObjects = #"""
    [{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "1", "tenant": "acme", "attributes": {"x": 1}, "context": {"tenant": "acme"}}, "context": {"ctx": 1}},
     {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "2", "tenant": "default", "attributes": {}, "context": {"tenant": "default"}}, "context": {"ctx": 1}}]
    """#

    static let userPermissionsMinimal = #"{"user": {"key": "alice"}, "tenants": null, "resources": null, "resource_types": null}"#
    static let userPermissionsFiltered = #"{"user": {"key": "alice", "firstName": "A", "attributes": {"a": 1}}, "tenants": ["acme"], "resources": ["task:42"], "resource_types": ["task"]}"#

    static let authorizedUsersTenant = #"{"action": "read", "resource": {"type": "task", "tenant": "acme", "context": {"tenant": "acme"}}, "context": {}}"#
    static let authorizedUsersKey = #"{"action": "read", "resource": {"type": "task", "key": "42", "tenant": "default", "context": {"tenant": "default"}}, "context": {"c": 1}}"#

    static let all: [String] = [
        checkTypeOnly, checkWithKey, checkFull, checkNulls, checkMergedContext, checkNoDefaultTenant,
        bulk, filterObjects, userPermissionsMinimal, userPermissionsFiltered, authorizedUsersTenant, authorizedUsersKey,
    ]
}
