"""The official permit 2.6.5 Python SDK (still in the field) against swift-pdp.

Runs with pydantic 1.10 (see requirements-2.6.5.txt). 2.6.5 sends a lowercase `bearer` scheme, passes dict users through (camelCase `firstName`
reaches the wire), passes a resource `id` through, and has no filter_objects /
get_user_permissions. Its blocking client has check, bulk_check and pdp_api only.
Runs in its own venv (it conflicts with 3.0.0): see scripts/test.sh.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import random

import pytest

import expectations as E
from sdkcalls import SdkClient, as_tuples

SDK_VERSION = importlib.metadata.version("permit")
pytestmark = pytest.mark.skipif(SDK_VERSION != "2.6.5", reason=f"needs permit 2.6.5, this venv has {SDK_VERSION}")

from permit.exceptions import PermitApiError, PermitConnectionError  # noqa: E402


@pytest.fixture(params=["async", "sync"])
def sdk(request, make_async_permit, make_sync_permit) -> SdkClient:
    if request.param == "sync":
        return SdkClient(make_sync_permit(), blocking=True)
    return SdkClient(make_async_permit(), blocking=False)


def test_sdk_under_test_sends_lowercase_bearer():
    from permit.enforcement.enforcer import Enforcer
    from permit.config import PermitConfig

    headers = Enforcer(PermitConfig(token="k", pdp="http://127.0.0.1:1"))._headers
    assert headers["Authorization"] == "bearer k", "this module exists to cover the lowercase scheme"


@pytest.mark.parametrize(
    "user, action, resource, expected",
    [
        ("alice", "read", "task", True),
        ("alice", "assign_role", "user", True),
        ("alice", "read", "analytics", True),
        ("bob", "update", "task:42", True),
        ("bob", "updateany", "task:42", False),
        ("bob", "assign", {"type": "task", "key": "42", "tenant": "acme"}, True),
        ("bob", "assign", {"type": "task", "key": "42", "tenant": "default"}, False),
        ("carol", "read", {"type": "task", "tenant": "acme"}, True),
        ("carol", "read", "task", False),
        ("dave", "read", "task", False),
        ("erin", "deleteany", "task:1", True),
        ("nobody", "read", "task", False),
        ("alice", "fly", "task", False),
        ("alice", "read", "document", False),
        ("bob", "read", {"type": "task", "tenant": "no-such-tenant"}, False),
    ],
)
async def test_check(sdk, user, action, resource, expected):
    assert await sdk.check(user, action, resource) is expected, f"check({user!r}, {action!r}, {resource!r})"


async def test_check_dict_user_passed_through(sdk):
    # 2.6.5 keeps `firstName`/`lastName` camelCase on the wire.
    user = {"key": "bob", "firstName": "Bob", "lastName": "B", "email": "bob@example.com",
            "attributes": {"department": "eng"}}
    assert await sdk.check(user, "assign", {"type": "task", "tenant": "acme"}) is True
    assert await sdk.check(user, "assign", {"type": "task", "tenant": "default"}) is False
    user = {"key": "alice", "attributes": None, "email": None}
    assert await sdk.check(user, "read", {"type": "task", "key": "1", "attributes": None, "tenant": None}) is True


async def test_check_resource_id(sdk):
    # 2.6.5's ResourceInput still has the v1 `id`, which it passes through.
    assert await sdk.check("carol", "read", {"type": "task", "id": "42", "tenant": "acme"}) is True
    assert await sdk.check("carol", "read", {"type": "task", "id": "42"}) is False


async def test_check_with_context(sdk):
    assert await sdk.check("alice", "read", "task:1", {"ip": "10.0.0.1"}) is True
    assert await sdk.check("carol", "read", "task:1", {"ip": "10.0.0.1"}) is False


async def test_bulk_check(sdk):
    checks = [
        {"user": "alice", "action": "read", "resource": "task"},
        {"user": "carol", "action": "read", "resource": "task"},
        {"user": {"key": "bob", "firstName": "Bob"}, "action": "update", "resource": "task:42"},
        {"user": "bob", "action": "updateany", "resource": "task:42"},
        {"user": "carol", "action": "delete", "resource": {"type": "task", "key": "7", "tenant": "acme"}},
        {"user": "nobody", "action": "read", "resource": "task"},
        {"user": "bob", "action": "read", "resource": {"type": "analytics", "tenant": "acme"}},
    ]
    assert await sdk.bulk_check(checks, {"shared": "yes"}) == [True, False, True, False, True, False, True]
    assert await sdk.bulk_check([]) == []


async def test_bulk_check_matrix(async_permit):
    cases = E.all_cases()
    checks = [{"user": u, "action": a, "resource": {"type": t, "tenant": tenant}} for u, a, t, tenant, _ in cases]
    got = await async_permit.bulk_check(checks)
    assert len(got) == len(cases)
    wrong = [c for c, g in zip(cases, got) if g is not c[4]]
    assert not wrong, f"{len(wrong)} of {len(cases)} bulk decisions wrong: {wrong[:20]}"


async def test_authorized_users(async_permit):
    result = await async_permit.authorized_users("read", "task")
    assert result.resource == "task:*" and result.tenant == "default"
    assert {u: sorted(a.role for a in v) for u, v in result.users.items()} == E.authorized_users("read", "task")
    result = await async_permit.authorized_users("assign", {"type": "task", "key": "9", "tenant": "acme"})
    assert result.resource == "task:9" and result.tenant == "acme"
    assert {u: sorted(a.role for a in v) for u, v in result.users.items()} == {"bob": ["admin"]}
    for user, assignments in result.users.items():
        assert all(a.user == user and a.tenant == "acme" and a.resource == "__tenant:acme" for a in assignments)


async def test_authorized_users_resource_id_is_the_key(async_permit):
    result = await async_permit.authorized_users("read", {"type": "task", "id": "42", "tenant": "acme"})
    assert result.resource == "task:42"
    assert set(result.users) == {"bob", "carol"}


async def test_role_assignments(sdk):
    assert as_tuples(await sdk.call("pdp_api.role_assignments.list")) == E.ALL_ASSIGNMENTS
    assert as_tuples(await sdk.call("pdp_api.role_assignments.list", user_key="bob")) == [
        ("bob", "admin", "acme"), ("bob", "viewer", "default"),
    ]
    assert as_tuples(await sdk.call("pdp_api.role_assignments.list", tenant_key="acme", role_key="viewer")) == [
        ("carol", "viewer", "acme"),
    ]
    pages = [await sdk.call("pdp_api.role_assignments.list", page=p, per_page=4) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [4, 2, 0]
    assert sorted(t for p in pages for t in as_tuples(p)) == E.ALL_ASSIGNMENTS


async def test_wrong_api_key(make_async_permit, make_sync_permit):
    for client in (SdkClient(make_async_permit(token="wrong-key"), False),
                   SdkClient(make_sync_permit(token="wrong-key"), True)):
        with pytest.raises(PermitConnectionError):
            await client.check("alice", "read", "task")
        # 2.6.5 bug: on a non-200 its bulk_check does `raise PermitConnectionError` without the
        # required message, so the caller gets a TypeError instead. Either way the call must fail.
        with pytest.raises((PermitConnectionError, TypeError)):
            await client.bulk_check([{"user": "alice", "action": "read", "resource": "task"}])
        with pytest.raises(PermitApiError) as info:
            await client.call("pdp_api.role_assignments.list")
        assert info.value.status_code == 403, client.kind
    with pytest.raises(PermitConnectionError):
        await make_async_permit(token="wrong-key").authorized_users("read", "task")


async def test_200_concurrent_async_checks(async_permit):
    rng = random.Random(265)
    picked = [rng.choice(E.all_cases()) for _ in range(200)]
    results = await asyncio.gather(
        *(async_permit.check(u, a, {"type": t, "tenant": tenant}) for u, a, t, tenant, _ in picked),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of 200 concurrent checks failed, first: {errors[0]!r}"
    wrong = [c for c, r in zip(picked, results) if r is not c[4]]
    assert not wrong, f"{len(wrong)} of 200 concurrent checks wrong: {wrong[:10]}"
