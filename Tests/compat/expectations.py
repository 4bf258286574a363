"""The decisions policies/tasks.yaml + Tests/compat/policy/users.yaml imply, written out by hand.

This is an independent oracle on purpose: it does not parse the YAML, so a loader or compiler
bug in the server cannot make the suite agree with itself. Keep it in step with both files.
"""

from __future__ import annotations

API_KEY = "compat-test-key-0123456789"

TASK_ACTIONS = ["create", "read", "readall", "update", "updateany", "delete", "deleteany", "assign"]
USER_ACTIONS = ["list", "read", "create", "update", "delete", "assign_role"]
RESOURCE_ACTIONS = {"task": TASK_ACTIONS, "user": USER_ACTIONS, "analytics": ["read"]}

VIEWER = {"task:create", "task:read", "task:update", "task:delete"}
# admin extends viewer; `user:*` expands to every declared action of `user`.
ADMIN = VIEWER | {
    "task:readall", "task:updateany", "task:deleteany", "task:assign",
    *(f"user:{a}" for a in USER_ACTIONS),
    "analytics:read",
}
ROLE_PERMISSIONS = {"viewer": VIEWER, "admin": ADMIN}

TENANT_ATTRIBUTES = {"default": {}, "acme": {"plan": "pro", "seats": 25}}

# user -> tenant -> roles held there (static users of users.yaml)
ASSIGNMENTS: dict[str, dict[str, list[str]]] = {
    "alice": {"default": ["admin"]},
    "bob": {"default": ["viewer"], "acme": ["admin"]},
    "carol": {"acme": ["viewer"]},
    "dave": {},
    "erin": {"default": ["viewer", "admin"]},
}
KNOWN_USERS = list(ASSIGNMENTS)

# (user, role, tenant) for every static assignment
ALL_ASSIGNMENTS = sorted(
    (user, role, tenant)
    for user, tenants in ASSIGNMENTS.items()
    for tenant, roles in tenants.items()
    for role in roles
)


def permissions(user: str, tenant: str = "default") -> set[str]:
    """Every `type:action` the user may do in the tenant."""
    result: set[str] = set()
    for role in ASSIGNMENTS.get(user, {}).get(tenant, []):
        result |= ROLE_PERMISSIONS[role]
    return result


def allowed(user: str, action: str, resource_type: str, tenant: str = "default") -> bool:
    return f"{resource_type}:{action}" in permissions(user, tenant)


def all_cases():
    """(user, action, type, tenant, expected) over every known user, action, type and tenant,
    plus unknown names on each axis."""
    cases = []
    for user in KNOWN_USERS + ["nobody"]:
        for tenant in ["default", "acme", "no-such-tenant"]:
            for rtype, actions in RESOURCE_ACTIONS.items():
                for action in actions + ["fly"]:
                    cases.append((user, action, rtype, tenant, allowed(user, action, rtype, tenant)))
            cases.append((user, "read", "document", tenant, False))
    return cases


def user_permissions(user: str, tenants=None, resource_types=None) -> dict:
    """The /user-permissions answer for tenant-level roles, as permission/role sets."""
    result = {}
    for tenant, roles in ASSIGNMENTS.get(user, {}).items():
        if tenants is not None and tenant not in tenants:
            continue
        perms = permissions(user, tenant)
        if resource_types is not None:
            perms = {p for p in perms if p.split(":", 1)[0] in resource_types}
        result[f"__tenant:{tenant}"] = {
            "tenant": {"key": tenant, "attributes": TENANT_ATTRIBUTES[tenant]},
            "permissions": sorted(perms),
            "roles": sorted(roles),
        }
    return result


def authorized_users(action: str, resource_type: str, tenant: str = "default") -> dict[str, list[str]]:
    """user -> sorted roles (held in the tenant) that grant `type:action` there."""
    result = {}
    for user, tenants in ASSIGNMENTS.items():
        roles = sorted(r for r in tenants.get(tenant, []) if f"{resource_type}:{action}" in ROLE_PERMISSIONS[r])
        if roles:
            result[user] = roles
    return result


def user_tenants(user: str) -> list[str]:
    return sorted(t for t, roles in ASSIGNMENTS.get(user, {}).items() if roles)


def allowed_tenants(user: str, action: str, resource_type: str) -> list[str]:
    return sorted(t for t in TENANT_ATTRIBUTES if allowed(user, action, resource_type, t))
