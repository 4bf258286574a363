"""The official permit 3.0.0 Python SDK against swift-pdp: every PDP call, sync and async.

Decisions are asserted against expectations.py (derived by hand from policies/tasks.yaml and
policy/users.yaml), not merely that calls return.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import random

import pytest

import expectations as E
from sdkcalls import SdkClient, as_tuples

SDK_VERSION = importlib.metadata.version("permit")
pytestmark = pytest.mark.skipif(SDK_VERSION != "3.0.0", reason=f"needs permit 3.0.0, this venv has {SDK_VERSION}")

from permit.exceptions import PermitApiError, PermitConnectionError  # noqa: E402


@pytest.fixture(params=["async", "sync"])
def sdk(request, make_async_permit, make_sync_permit) -> SdkClient:
    if request.param == "sync":
        return SdkClient(make_sync_permit(), blocking=True)
    return SdkClient(make_async_permit(), blocking=False)


def _why(user, action, resource, expected):
    return f"check({user!r}, {action!r}, {resource!r}) should be {expected}"


# --------------------------------------------------------------------------------------------
# check


@pytest.mark.parametrize(
    "user, action, resource, expected",
    [
        ("alice", "read", "task", True),            # {"type":"task","key":null,"tenant":"default"}
        ("alice", "readall", "task", True),         # admin's own permission
        ("alice", "create", "task", True),          # inherited from viewer via extends
        ("alice", "assign_role", "user", True),     # user:* wildcard
        ("alice", "read", "analytics", True),
        ("bob", "read", "task", True),              # viewer in default
        ("bob", "readall", "task", False),          # viewer may not readall
        ("bob", "read", "analytics", False),        # admin in acme only, not in default
        ("carol", "read", "task", False),           # viewer in acme only
        ("dave", "read", "task", False),            # no roles at all
        ("erin", "deleteany", "task", True),        # holds viewer and admin
    ],
)
async def test_check_string_resource(sdk, user, action, resource, expected):
    assert await sdk.check(user, action, resource) is expected, _why(user, action, resource, expected)


@pytest.mark.parametrize(
    "user, action, resource, expected",
    [
        ("alice", "update", "task:42", True),
        ("alice", "updateany", "task:42", True),
        ("bob", "update", "task:42", True),
        ("bob", "updateany", "task:42", False),
        ("carol", "update", "task:42", False),
        ("alice", "read", "analytics:dashboard", True),
        ("bob", "list", "user:carol", False),
    ],
)
async def test_check_type_key_string(sdk, user, action, resource, expected):
    assert await sdk.check(user, action, resource) is expected, _why(user, action, resource, expected)


@pytest.mark.parametrize(
    "user, action, tenant, expected",
    [
        ("bob", "assign", "acme", True),            # admin in acme
        ("bob", "assign", "default", False),        # only viewer in default
        ("carol", "read", "acme", True),
        ("carol", "readall", "acme", False),
        ("carol", "read", "default", False),
        ("alice", "read", "acme", False),           # alice's admin role is in default only
        ("alice", "read", "default", True),
    ],
)
async def test_check_dict_resource_with_tenant(sdk, user, action, tenant, expected):
    resource = {"type": "task", "key": "42", "tenant": tenant}
    assert await sdk.check(user, action, resource) is expected, _why(user, action, resource, expected)


async def test_check_dict_resource_with_attributes_and_context(sdk):
    resource = {"type": "analytics", "tenant": "acme", "attributes": {"x": 1}, "context": {"foo": "bar"}}
    assert await sdk.check("bob", "read", resource) is True
    resource = {"type": "analytics", "tenant": "default", "attributes": {"x": 1}, "context": {"foo": "bar"}}
    assert await sdk.check("bob", "read", resource) is False


async def test_check_dict_resource_without_key_or_tenant(sdk):
    # tenant None -> the SDK fills in "default"
    assert await sdk.check("alice", "deleteany", {"type": "task"}) is True
    assert await sdk.check("alice", "deleteany", {"type": "task", "tenant": None}) is True
    assert await sdk.check("carol", "read", {"type": "task", "tenant": None}) is False


async def test_check_dict_user_with_profile_fields(sdk):
    # firstName is converted to first_name by 3.0.0; every field is accepted and ignored for RBAC.
    user = {
        "key": "bob",
        "firstName": "Bob",
        "last_name": "Builder",
        "email": "bob@example.com",
        "attributes": {"department": "eng", "level": 3},
    }
    assert await sdk.check(user, "assign", {"type": "task", "key": "7", "tenant": "acme"}) is True
    assert await sdk.check(user, "assign", {"type": "task", "key": "7", "tenant": "default"}) is False


async def test_check_dict_user_with_none_fields(sdk):
    # {"user": {"key": "alice", "email": null, "attributes": null}, "resource": {..., "attributes": null}}
    user = {"key": "alice", "attributes": None, "email": None, "first_name": None, "last_name": None}
    resource = {"type": "task", "key": "1", "attributes": None, "tenant": None}
    assert await sdk.check(user, "read", resource) is True
    assert await sdk.check({"key": "dave", "attributes": None}, "read", resource) is False


async def test_check_roles_in_request_do_not_replace_policy(sdk):
    # A user dict may carry `roles`; alice's decision in default is the policy's either way.
    user = {"key": "alice", "roles": [{"role": "admin", "tenant": "default"}]}
    assert await sdk.check(user, "assign", "task") is True


@pytest.mark.parametrize(
    "user, action, resource",
    [
        ("nobody", "read", "task"),                                     # unknown user
        ("alice", "fly", "task"),                                       # unknown action
        ("alice", "read", "document"),                                  # unknown resource type
        ("alice", "read", "document:1"),
        ("alice", "read", {"type": "task", "tenant": "no-such-tenant"}),  # unknown tenant
        ("bob", "assign", {"type": "task", "key": "1", "tenant": "no-such-tenant"}),
        ("dave", "read", "task"),                                       # known user, no roles
    ],
)
async def test_check_unknowns_are_denied(sdk, user, action, resource):
    assert await sdk.check(user, action, resource) is False, _why(user, action, resource, False)


async def test_check_empty_user_key_is_a_deny(sdk):
    # permit.check("", ...) sends {"user": {"key": ""}}. The real PDP's schemas take any string
    # (Rust `String`, pydantic `str`), so it answers 200 allow=false: an app passing an anonymous
    # user's empty key gets a deny, not an exception.
    assert await sdk.check("", "read", "task") is False
    assert await sdk.bulk_check([{"user": "", "action": "read", "resource": "task"},
                                 {"user": "alice", "action": "read", "resource": "task"}]) == [False, True]


async def test_check_with_context(sdk):
    # Context is passed through (top-level and resource context); RBAC decisions do not change.
    assert await sdk.check("alice", "read", "task:1", {"ip": "10.0.0.1", "nested": {"a": [1, 2]}}) is True
    assert await sdk.check("carol", "read", "task:1", {"tenant": "acme"}) is False
    resource = {"type": "task", "key": "1", "tenant": "acme", "context": {"foo": "bar"}}
    assert await sdk.check("carol", "read", resource, {"ip": "10.0.0.1"}) is True


async def test_check_context_store_is_merged(make_async_permit):
    permit = make_async_permit()
    permit._enforcer.context_store.add({"app": {"region": "eu"}, "shared": 1})
    assert await permit.check("alice", "read", "task", {"app": {"tier": "gold"}}) is True
    assert await permit.check("carol", "read", "task", {"app": {"tier": "gold"}}) is False


async def test_check_without_default_tenant(make_async_permit):
    # use_default_tenant_if_empty=False: the resource has no tenant at all; the PDP uses `default`.
    permit = make_async_permit(multi_tenancy={"use_default_tenant_if_empty": False})
    assert await permit.check("alice", "read", "task:42") is True
    assert await permit.check("carol", "read", "task:42") is False
    assert await permit.check("carol", "read", {"type": "task", "key": "42", "tenant": "acme"}) is True


async def test_check_exhaustive_matrix(async_permit):
    """Every known user x every action (+ unknown) x every type (+ unknown) x every tenant (+ unknown)."""
    cases = E.all_cases()
    results = await asyncio.gather(
        *(async_permit.check(u, a, {"type": t, "tenant": tenant}) for u, a, t, tenant, _ in cases)
    )
    wrong = [(u, a, t, tenant, exp) for (u, a, t, tenant, exp), got in zip(cases, results) if got is not exp]
    assert not wrong, f"{len(wrong)} of {len(cases)} decisions wrong (user, action, type, tenant, expected): {wrong[:20]}"


# --------------------------------------------------------------------------------------------
# bulk_check


async def test_bulk_check_preserves_order(sdk):
    checks = [
        {"user": "alice", "action": "read", "resource": "task"},
        {"user": "carol", "action": "read", "resource": "task"},
        {"user": {"key": "bob", "attributes": {"age": 30}}, "action": "update", "resource": "task:42",
         "context": {"per_check": True}},
        {"user": "bob", "action": "updateany", "resource": "task:42"},
        {"user": "carol", "action": "delete", "resource": {"type": "task", "key": "7", "tenant": "acme"}},
        {"user": "carol", "action": "deleteany", "resource": {"type": "task", "key": "7", "tenant": "acme"}},
        {"user": "nobody", "action": "read", "resource": "task"},
        {"user": "bob", "action": "read", "resource": {"type": "analytics", "tenant": "acme"}},
        {"user": "alice", "action": "fly", "resource": "task"},
        {"user": "erin", "action": "assign_role", "resource": "user:dave"},
    ]
    expected = [True, False, True, False, True, False, False, True, False, True]
    assert await sdk.bulk_check(checks, {"shared": "yes"}) == expected


async def test_bulk_check_empty(sdk):
    assert await sdk.bulk_check([]) == []


async def test_bulk_check_large_matrix(async_permit):
    cases = E.all_cases()
    checks = [{"user": u, "action": a, "resource": {"type": t, "key": str(i), "tenant": tenant}}
              for i, (u, a, t, tenant, _) in enumerate(cases)]
    got = await async_permit.bulk_check(checks)
    assert len(got) == len(cases)
    wrong = [c for c, g in zip(cases, got) if g is not c[4]]
    assert not wrong, f"{len(wrong)} of {len(cases)} bulk decisions wrong: {wrong[:20]}"


# --------------------------------------------------------------------------------------------
# filter_objects


async def test_filter_objects(sdk):
    resources = [
        {"type": "task", "key": "1", "tenant": "acme", "attributes": {"x": 1}},
        {"type": "task", "key": "2"},                                  # tenant None -> default
        {"type": "task", "key": "3", "tenant": "default", "context": {"c": 1}},
        {"type": "task", "key": "4", "tenant": "no-such-tenant"},
        {"type": "document", "key": "5", "tenant": "acme"},
    ]
    assert await sdk.filter_objects("carol", "read", {"ctx": 1}, resources) == [resources[0]]
    assert await sdk.filter_objects("bob", "read", {}, resources) == resources[0:3]
    assert await sdk.filter_objects("bob", "assign", {}, resources) == [resources[0]]
    assert await sdk.filter_objects("alice", "assign", {}, resources) == resources[1:3]
    assert await sdk.filter_objects("dave", "read", {}, resources) == []
    assert await sdk.filter_objects("alice", "read", {}, []) == []


# --------------------------------------------------------------------------------------------
# get_user_permissions


def _normalise_permissions(body: dict) -> dict:
    """Permission and role lists sorted (their order is not part of the contract; duplicates stay)."""
    assert isinstance(body, dict), f"expected an object, got {body!r}"
    out = {}
    for key, entry in body.items():
        assert isinstance(entry, dict) and "permissions" in entry, f"{key}: {entry!r}"
        out[key] = {
            "tenant": entry.get("tenant"),
            "permissions": sorted(entry["permissions"]),
            "roles": sorted(entry.get("roles") or []),
        }
    return out


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "dave", "erin", "nobody"])
async def test_get_user_permissions_all(sdk, user):
    body = await sdk.get_user_permissions(user)
    assert _normalise_permissions(body) == E.user_permissions(user)


async def test_get_user_permissions_exact_lists(sdk):
    body = await sdk.get_user_permissions("bob")
    assert set(body) == {"__tenant:default", "__tenant:acme"}
    assert body["__tenant:default"]["tenant"] == {"key": "default", "attributes": {}}
    assert body["__tenant:acme"]["tenant"] == {"key": "acme", "attributes": {"plan": "pro", "seats": 25}}
    assert sorted(body["__tenant:default"]["permissions"]) == [
        "task:create", "task:delete", "task:read", "task:update",
    ]
    assert sorted(body["__tenant:acme"]["permissions"]) == [
        "analytics:read",
        "task:assign", "task:create", "task:delete", "task:deleteany", "task:read", "task:readall",
        "task:update", "task:updateany",
        "user:assign_role", "user:create", "user:delete", "user:list", "user:read", "user:update",
    ]
    assert body["__tenant:default"]["roles"] == ["viewer"]
    assert body["__tenant:acme"]["roles"] == ["admin"]


async def test_get_user_permissions_no_duplicates_for_overlapping_roles(sdk):
    body = await sdk.get_user_permissions("erin")
    perms = body["__tenant:default"]["permissions"]
    assert len(perms) == len(set(perms)), f"duplicate permissions: {perms}"
    assert sorted(perms) == sorted(E.ADMIN)
    assert sorted(body["__tenant:default"]["roles"]) == ["admin", "viewer"]


async def test_get_user_permissions_tenant_filter(sdk):
    body = await sdk.get_user_permissions("bob", tenants=["acme"])
    assert _normalise_permissions(body) == E.user_permissions("bob", tenants=["acme"])
    body = await sdk.get_user_permissions("carol", tenants=["default"])
    assert body == {}
    body = await sdk.get_user_permissions("bob", tenants=["no-such-tenant"])
    assert body == {}


async def test_get_user_permissions_resource_type_filter(sdk):
    body = await sdk.get_user_permissions("bob", resource_types=["task"])
    assert _normalise_permissions(body) == E.user_permissions("bob", resource_types=["task"])
    body = await sdk.get_user_permissions("alice", tenants=["default"], resource_types=["analytics", "user"])
    assert _normalise_permissions(body) == E.user_permissions(
        "alice", tenants=["default"], resource_types=["analytics", "user"]
    )


async def test_get_user_permissions_dict_user_and_resources_filter(sdk):
    # The user dict is sent as given (camelCase firstName included); `resources` is accepted.
    # How `resources` narrows tenant-level roles is not pinned down by the contract: only assert
    # that nothing beyond carol's acme permissions comes back.
    body = await sdk.get_user_permissions(
        {"key": "carol", "firstName": "C", "attributes": {"a": 1}}, tenants=["acme"], resources=["task:42"],
        resource_types=["task"],
    )
    assert isinstance(body, dict)
    for key, entry in body.items():
        assert set(entry["permissions"]) <= E.VIEWER, (key, entry)
    body = await sdk.get_user_permissions({"key": "carol", "firstName": "C"}, tenants=["acme"])
    assert _normalise_permissions(body) == E.user_permissions("carol", tenants=["acme"])


# --------------------------------------------------------------------------------------------
# authorized_users


def _authorized(result, resource: str, tenant: str) -> dict[str, list[str]]:
    assert result.resource == resource
    assert result.tenant == tenant
    users = {}
    for user, assignments in result.users.items():
        for a in assignments:
            assert a.user == user
            assert a.tenant == tenant
            assert a.resource == f"__tenant:{tenant}"
        users[user] = sorted(a.role for a in assignments)
    return users


async def test_authorized_users_type(sdk):
    result = await sdk.authorized_users("read", "task")
    assert _authorized(result, "task:*", "default") == E.authorized_users("read", "task", "default")
    assert set(result.users) == {"alice", "bob", "erin"}


async def test_authorized_users_instance(sdk):
    result = await sdk.authorized_users("readall", "task:42", {"c": 1})
    assert _authorized(result, "task:42", "default") == {"alice": ["admin"], "erin": ["admin"]}


async def test_authorized_users_tenant(sdk):
    result = await sdk.authorized_users("read", {"type": "task", "tenant": "acme"})
    assert _authorized(result, "task:*", "acme") == {"bob": ["admin"], "carol": ["viewer"]}
    result = await sdk.authorized_users("assign", {"type": "task", "key": "9", "tenant": "acme"})
    assert _authorized(result, "task:9", "acme") == {"bob": ["admin"]}


async def test_authorized_users_nobody(sdk):
    result = await sdk.authorized_users("fly", "task")
    assert _authorized(result, "task:*", "default") == {}
    result = await sdk.authorized_users("read", {"type": "task", "tenant": "no-such-tenant"})
    assert _authorized(result, "task:*", "no-such-tenant") == {}
    result = await sdk.authorized_users("read", "document")
    assert _authorized(result, "document:*", "default") == {}


# --------------------------------------------------------------------------------------------
# pdp_api.role_assignments.list  (GET /local/role_assignments)


async def test_role_assignments_all(sdk):
    got = await sdk.role_assignments()
    assert as_tuples(got) == E.ALL_ASSIGNMENTS
    assert all(a.resource_instance is None for a in got)


async def test_role_assignments_filters(sdk):
    assert as_tuples(await sdk.role_assignments(user_key="bob")) == [
        ("bob", "admin", "acme"), ("bob", "viewer", "default"),
    ]
    assert as_tuples(await sdk.role_assignments(tenant_key="acme")) == [
        ("bob", "admin", "acme"), ("carol", "viewer", "acme"),
    ]
    assert as_tuples(await sdk.role_assignments(role_key="admin")) == [
        ("alice", "admin", "default"), ("bob", "admin", "acme"), ("erin", "admin", "default"),
    ]
    assert as_tuples(await sdk.role_assignments(user_key="bob", tenant_key="default")) == [
        ("bob", "viewer", "default"),
    ]
    assert as_tuples(await sdk.role_assignments(user_key="erin", role_key="viewer", tenant_key="default")) == [
        ("erin", "viewer", "default"),
    ]
    assert await sdk.role_assignments(user_key="dave") == []
    assert await sdk.role_assignments(user_key="nobody") == []
    assert await sdk.role_assignments(tenant_key="no-such-tenant") == []


async def test_role_assignments_paging(sdk):
    pages = []
    for page in range(1, 6):
        pages.append(await sdk.role_assignments(page=page, per_page=2))
    sizes = [len(p) for p in pages]
    assert len(E.ALL_ASSIGNMENTS) == 6
    assert sizes == [2, 2, 2, 0, 0], sizes
    flat = [t for p in pages for t in as_tuples(p)]
    assert sorted(flat) == E.ALL_ASSIGNMENTS, "pages must partition the assignments (no repeats, none missing)"
    # stable order: asking again gives the same page
    assert as_tuples(await sdk.role_assignments(page=2, per_page=2)) == as_tuples(pages[1])
    # paging composes with filters
    first = await sdk.role_assignments(role_key="admin", page=1, per_page=1)
    second = await sdk.role_assignments(role_key="admin", page=2, per_page=1)
    third = await sdk.role_assignments(role_key="admin", page=3, per_page=1)
    assert len(first) == len(second) == len(third) == 1
    assert sorted(as_tuples(first) + as_tuples(second) + as_tuples(third)) == as_tuples(
        await sdk.role_assignments(role_key="admin")
    )


async def test_role_assignments_per_page_over_100_is_rejected(sdk):
    with pytest.raises(PermitApiError) as info:
        await sdk.role_assignments(per_page=101)
    assert info.value.status_code == 422
    assert len(await sdk.role_assignments(per_page=100)) == len(E.ALL_ASSIGNMENTS)


# --------------------------------------------------------------------------------------------
# failures


async def test_wrong_api_key_fails_every_call(pdp_url, make_async_permit, make_sync_permit):
    for client in (SdkClient(make_async_permit(token="wrong-key"), False),
                   SdkClient(make_sync_permit(token="wrong-key"), True)):
        with pytest.raises(PermitConnectionError, match="403"):
            await client.check("alice", "read", "task")
        with pytest.raises(PermitConnectionError, match="403"):
            await client.bulk_check([{"user": "alice", "action": "read", "resource": "task"}])
        with pytest.raises(PermitConnectionError, match="403"):
            await client.authorized_users("read", "task")
        with pytest.raises(PermitConnectionError):  # its message carries no status code
            await client.get_user_permissions("alice")
        with pytest.raises(PermitApiError) as info:
            await client.role_assignments()
        assert info.value.status_code == 403, client.kind


async def test_unreachable_pdp_is_a_connection_error(make_async_permit):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    permit = make_async_permit(pdp=f"http://127.0.0.1:{port}")
    with pytest.raises(PermitConnectionError):
        await permit.check("alice", "read", "task")


# --------------------------------------------------------------------------------------------
# concurrency


async def test_200_concurrent_async_checks(async_permit):
    rng = random.Random(7766)
    cases = E.all_cases()
    picked = [rng.choice(cases) for _ in range(200)]
    results = await asyncio.gather(
        *(async_permit.check(u, a, {"type": t, "key": str(i), "tenant": tenant})
          for i, (u, a, t, tenant, _) in enumerate(picked)),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of 200 concurrent checks failed, first: {errors[0]!r}"
    wrong = [c for c, r in zip(picked, results) if r is not c[4]]
    assert not wrong, f"{len(wrong)} of 200 concurrent checks wrong: {wrong[:10]}"
    assert sum(1 for c in picked if c[4]) > 0 and sum(1 for c in picked if not c[4]) > 0


async def test_concurrent_mixed_calls(async_permit):
    # checks, bulk checks, permissions and authorized users interleaved
    async def one(i):
        match i % 4:
            case 0:
                return await async_permit.check("bob", "assign", {"type": "task", "tenant": "acme"}) is True
            case 1:
                return await async_permit.bulk_check(
                    [{"user": "carol", "action": "read", "resource": "task"},
                     {"user": "carol", "action": "read", "resource": {"type": "task", "tenant": "acme"}}]
                ) == [False, True]
            case 2:
                body = await async_permit.get_user_permissions("carol")
                return sorted(body["__tenant:acme"]["permissions"]) == sorted(E.VIEWER)
            case _:
                result = await async_permit.authorized_users("assign", {"type": "task", "tenant": "acme"})
                return set(result.users) == {"bob"}

    results = await asyncio.gather(*(one(i) for i in range(80)))
    assert all(results), [i for i, ok in enumerate(results) if not ok]
