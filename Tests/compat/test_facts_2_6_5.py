"""permit 2.6.5 against the facts API: `users.sync` then `assign_role` (which sends
`"resource_instance": null`) and the check that follows."""

from __future__ import annotations

import importlib.metadata

import pytest

from expectations import API_KEY

SDK_VERSION = importlib.metadata.version("permit")
pytestmark = pytest.mark.skipif(SDK_VERSION != "2.6.5", reason=f"needs permit 2.6.5, this venv has {SDK_VERSION}")


async def test_sync_assign_check(facts_server):
    import permit

    client = permit.Permit(pdp=facts_server.url, api_url=facts_server.url, token=API_KEY, pdp_timeout=20)
    user = await client.api.users.sync({"key": "legacy-user", "first_name": "Leg", "email": None})
    assert user.key == "legacy-user"
    assert await client.check("legacy-user", "readall", "task") is False
    assignment = await client.api.users.assign_role({"user": "legacy-user", "role": "admin", "tenant": "default"})
    assert assignment.role == "admin"
    assert await client.check("legacy-user", "readall", "task") is True
    await client.api.users.unassign_role({"user": "legacy-user", "role": "admin", "tenant": "default"})
    assert await client.check("legacy-user", "readall", "task") is False
