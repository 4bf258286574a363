"""One way to call either Permit client from an async test.

`permit.Permit` methods are coroutines; `permit.sync.Permit` methods block. The blocking
client is called from a worker thread, as a plain synchronous application would call it
(no event loop running in that thread), so one test body covers both clients.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any


class SdkClient:
    def __init__(self, client: Any, blocking: bool):
        self.client = client
        self.blocking = blocking
        self.kind = "sync" if blocking else "async"

    def _resolve(self, name: str):
        target = self.client
        for part in name.split("."):
            target = getattr(target, part)
        return target

    async def call(self, name: str, *args, **kwargs):
        method = self._resolve(name)
        if self.blocking:
            return await asyncio.to_thread(functools.partial(method, *args, **kwargs))
        return await method(*args, **kwargs)

    async def check(self, *args, **kwargs) -> bool:
        return await self.call("check", *args, **kwargs)

    async def bulk_check(self, *args, **kwargs):
        return await self.call("bulk_check", *args, **kwargs)

    async def filter_objects(self, *args, **kwargs):
        return await self.call("filter_objects", *args, **kwargs)

    async def get_user_permissions(self, *args, **kwargs):
        return await self.call("get_user_permissions", *args, **kwargs)

    async def authorized_users(self, *args, **kwargs):
        return await self.call("authorized_users", *args, **kwargs)

    async def role_assignments(self, **kwargs):
        return await self.call("pdp_api.role_assignments.list", **kwargs)


def as_tuples(assignments) -> list[tuple]:
    """`pdp_api.role_assignments.list` items as sorted (user, role, tenant) tuples."""
    return sorted((a.user, a.role, a.tenant) for a in assignments)
