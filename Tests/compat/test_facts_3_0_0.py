"""The facts and schema API driven by the official permit 3.0.0 SDK (`permit.api.*`), with
`api_url` pointing at `pdp serve`, directly and with `proxy_facts_via_pdp=True`.

Runs against `facts_server`: a server of its own with a fresh `--data-dir`.
"""

from __future__ import annotations

import importlib.metadata
import itertools

import pytest

from expectations import API_KEY
from conftest import running_pdp

SDK_VERSION = importlib.metadata.version("permit")
pytestmark = pytest.mark.skipif(SDK_VERSION != "3.0.0", reason=f"needs permit 3.0.0, this venv has {SDK_VERSION}")

from permit.exceptions import PermitAlreadyExistsError, PermitApiError, PermitNotFoundError  # noqa: E402

_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def make_permit(server, **extra):
    import permit

    return permit.Permit(pdp=server.url, api_url=server.url, token=API_KEY, pdp_timeout=20, api_timeout=20, **extra)


@pytest.fixture(params=["direct", "proxy_facts_via_pdp"])
def permit_client(request, facts_server):
    if request.param == "direct":
        return make_permit(facts_server)
    return make_permit(facts_server, proxy_facts_via_pdp=True, facts_sync_timeout=5)


async def test_sync_assign_check_unassign(permit_client):
    user = unique("sdk-user")
    read = await permit_client.api.users.sync({"key": user, "email": f"{user}@example.com", "first_name": "Sam", "attributes": {"dept": "eng"}})
    assert read.key == user and read.email == f"{user}@example.com" and read.first_name == "Sam"
    assert await permit_client.check(user, "readall", "task") is False
    assignment = await permit_client.api.users.assign_role({"user": user, "role": "admin", "tenant": "default"})
    assert assignment.user == user and assignment.role == "admin" and assignment.tenant == "default"
    # The write returned only once checks see it: the very next request is allowed.
    assert await permit_client.check(user, "readall", "task") is True
    await permit_client.api.users.unassign_role({"user": user, "role": "admin", "tenant": "default"})
    assert await permit_client.check(user, "readall", "task") is False


async def test_users_get_list_create_update_delete(permit_client):
    prefix = unique("paging")
    keys = [f"{prefix}-{i:02d}" for i in range(5)]
    for key in keys:
        created = await permit_client.api.users.create({"key": key, "email": f"{key}@example.com"})
        assert created.key == key
    again = await permit_client.api.users.create({"key": keys[0], "email": "other@example.com"})
    assert again.key == keys[0] and again.email == f"{keys[0]}@example.com", "duplicate create answers the existing user"
    got = await permit_client.api.users.get(keys[1])
    assert got.key == keys[1]
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.users.get(unique("nobody"))
    first = await permit_client.api.users.list(page=1, per_page=2)
    assert len(first.data) == 2 and first.total_count >= 5
    seen = []
    page = 1
    while True:
        result = await permit_client.api.users.list(page=page, per_page=3)
        if not result.data:
            break
        seen += [u.key for u in result.data]
        page += 1
    assert set(keys) <= set(seen) and len(seen) == len(set(seen)) == first.total_count
    updated = await permit_client.api.users.update(keys[2], {"last_name": "L"})
    assert updated.last_name == "L" and updated.email == f"{keys[2]}@example.com"
    await permit_client.api.users.delete(keys[3])
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.users.get(keys[3])


async def test_tenants(permit_client):
    key = unique("tenant")
    created = await permit_client.api.tenants.create({"key": key, "name": "T", "attributes": {"plan": "pro"}})
    assert created.key == key and created.name == "T" and created.attributes == {"plan": "pro"}
    with pytest.raises(PermitAlreadyExistsError):
        await permit_client.api.tenants.create({"key": key, "name": "again"})
    assert (await permit_client.api.tenants.get(key)).name == "T"
    assert key in [t.key for t in await permit_client.api.tenants.list()]
    updated = await permit_client.api.tenants.update(key, {"name": "Renamed"})
    assert updated.name == "Renamed"
    user = unique("tenant-user")
    await permit_client.api.users.sync({"key": user})
    await permit_client.api.users.assign_role({"user": user, "role": "viewer", "tenant": key})
    assert await permit_client.check(user, "read", {"type": "task", "tenant": key}) is True
    await permit_client.api.tenants.delete(key)
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.tenants.get(key)
    assert await permit_client.check(user, "read", {"type": "task", "tenant": key}) is False


async def test_role_assignments(permit_client):
    alice, bob = unique("ra-alice"), unique("ra-bob")
    for user in (alice, bob):
        await permit_client.api.users.sync({"key": user})
    assigned = await permit_client.api.role_assignments.assign({"user": alice, "role": "viewer", "tenant": "default"})
    assert assigned.role == "viewer"
    listed = await permit_client.api.role_assignments.list(user_key=alice)
    assert [(a.user, a.role, a.tenant) for a in listed] == [(alice, "viewer", "default")]
    report = await permit_client.api.role_assignments.bulk_assign([
        {"user": alice, "role": "admin", "tenant": "default"},
        {"user": bob, "role": "viewer", "tenant": "default"},
    ])
    assert report.assignments_created == 2
    listed = await permit_client.api.role_assignments.list(user_key=[alice, bob], role_key="viewer")
    assert sorted(a.user for a in listed) == sorted([alice, bob])
    assert await permit_client.check(bob, "read", "task") is True
    await permit_client.api.role_assignments.unassign({"user": alice, "role": "viewer", "tenant": "default"})
    removed = await permit_client.api.role_assignments.bulk_unassign([
        {"user": alice, "role": "admin", "tenant": "default"},
        {"user": bob, "role": "viewer", "tenant": "default"},
    ])
    assert removed.assignments_removed == 2
    assert await permit_client.api.role_assignments.list(user_key=[alice, bob]) == []
    assert await permit_client.check(bob, "read", "task") is False
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.role_assignments.assign({"user": alice, "role": "no-such-role", "tenant": "default"})


async def test_schema(permit_client):
    roles = await permit_client.api.roles.list()
    assert sorted(r.key for r in roles) == ["admin", "viewer"]
    admin = await permit_client.api.roles.get("admin")
    assert admin.extends == ["viewer"] and "analytics:read" in admin.permissions
    resources = await permit_client.api.resources.list()
    task = next(r for r in resources if r.key == "task")
    assert "readall" in task.actions
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.roles.get("nope")


async def test_sync_with_role_assignments_and_yaml_user(permit_client):
    user = unique("carol-like")
    read = await permit_client.api.users.sync({"key": user, "role_assignments": [{"role": "viewer", "tenant": "acme"}]})
    assert [(r.role, r.tenant) for r in read.roles] == [("viewer", "acme")]
    assert await permit_client.check(user, "read", {"type": "task", "tenant": "acme"}) is True
    # A user declared in the policy files: readable, and deleting it is refused (403).
    alice = await permit_client.api.users.get("alice")
    assert alice.email == "alice@example.com"
    with pytest.raises(PermitApiError):
        await permit_client.api.users.delete("alice")


async def test_facts_survive_a_restart(tmp_path):
    data_dir = tmp_path / "data"
    with running_pdp(["--data-dir", str(data_dir)]) as server:
        client = make_permit(server)
        await client.api.users.sync({"key": "durable", "email": "d@example.com"})
        await client.api.users.assign_role({"user": "durable", "role": "admin", "tenant": "acme"})
    with running_pdp(["--data-dir", str(data_dir)]) as server:
        client = make_permit(server)
        assert (await client.api.users.get("durable")).email == "d@example.com"
        assert await client.check("durable", "read", {"type": "analytics", "tenant": "acme"}) is True


async def test_ids_in_paths(permit_client):
    user = unique("id-user")
    created = await permit_client.api.users.sync({"key": user, "email": f"{user}@example.com"})
    got = await permit_client.api.users.get_by_id(str(created.id))
    assert got.key == user and got.email == f"{user}@example.com"
    listed = await permit_client.api.users.list(per_page=100)
    alice_id = next((u.id for u in listed.data if u.key == "alice"), None)
    assert alice_id is not None and (await permit_client.api.users.get_by_id(str(alice_id))).key == "alice"
    tenant = await permit_client.api.tenants.create({"key": unique("id-tenant"), "name": "T"})
    assert (await permit_client.api.tenants.get_by_id(str(tenant.id))).key == tenant.key
    admin = await permit_client.api.roles.get("admin")
    assert (await permit_client.api.roles.get_by_id(str(admin.id))).key == "admin"
    task = await permit_client.api.resources.get("task")
    assert (await permit_client.api.resources.get_by_id(str(task.id))).key == "task"
    await permit_client.api.users.delete(str(created.id))
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.users.get(user)


async def test_tenant_users(permit_client):
    tenant = unique("tu-tenant")
    await permit_client.api.tenants.create({"key": tenant, "name": "T"})
    users = [unique("tu-user") for _ in range(3)]
    for user in users:
        await permit_client.api.users.sync({"key": user})
        await permit_client.api.users.assign_role({"user": user, "role": "viewer", "tenant": tenant})
    page = await permit_client.api.tenants.list_tenant_users(tenant, page=1, per_page=2)
    assert [u.key for u in page.data] == sorted(users)[:2] and page.total_count == 3 and page.page_count == 2
    assert await permit_client.check(users[0], "read", {"type": "task", "tenant": tenant}) is True
    await permit_client.api.tenants.delete_tenant_user(tenant, users[0])
    assert await permit_client.check(users[0], "read", {"type": "task", "tenant": tenant}) is False
    page = await permit_client.api.tenants.list_tenant_users(tenant)
    assert sorted(u.key for u in page.data) == sorted(users[1:])
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.tenants.list_tenant_users(unique("no-tenant"))


async def test_bulk_users_and_tenants(permit_client):
    a, b, c = unique("bulk-user"), unique("bulk-user"), unique("bulk-user")
    await permit_client.api.users.bulk_create([{"key": a, "email": f"{a}@example.com"}, {"key": b}])
    assert (await permit_client.api.users.get(a)).email == f"{a}@example.com"
    await permit_client.api.users.bulk_replace([{"key": a, "first_name": "A"}, {"key": c}])
    replaced = await permit_client.api.users.get(a)
    assert replaced.first_name == "A" and replaced.email is None
    assert (await permit_client.api.users.get(c)).key == c
    b_id = (await permit_client.api.users.get(b)).id
    await permit_client.api.users.bulk_delete([a, str(b_id)])
    for gone in (a, b):
        with pytest.raises(PermitNotFoundError):
            await permit_client.api.users.get(gone)
    t1, t2 = unique("bulk-tenant"), unique("bulk-tenant")
    await permit_client.api.tenants.bulk_create([{"key": t1, "name": "One"}, {"key": t2, "name": "Two"}])
    assert (await permit_client.api.tenants.get(t2)).name == "Two"
    with pytest.raises(PermitAlreadyExistsError):
        await permit_client.api.tenants.bulk_create([{"key": unique("bulk-tenant"), "name": "x"}, {"key": t1, "name": "dup"}])
    await permit_client.api.tenants.bulk_delete([t1, t2])
    with pytest.raises(PermitNotFoundError):
        await permit_client.api.tenants.get(t1)
