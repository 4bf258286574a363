"""Authorization safety properties on the real process (issue #15, item 6).

Generated sequences of facts API calls (create and delete users, assign and unassign roles)
and policy edits (roles, their permissions and `extends` rewritten, roles removed and
brought back; applied with SIGHUP and awaited on /ready) run against `pdp serve` with a
durable data directory. After every step, every user (live, deleted and never created) is
checked in every tenant (and one that does not exist) on every action of every resource type
(and unknown ones) in one `/allowed/bulk` request, against a reference evaluator written
here from the policy text and the writes the server acknowledged:

- never a permission that no assigned role grants (in that tenant, through `extends`);
- never one whose last granting role was removed (by unassigning, deleting the user, or
  taking the role or its permission out of the policy);
- deny for an unknown user, tenant, resource type or action.

SAFETY_SEQUENCES and SAFETY_STEPS (default 4 x 60 steps) make it longer by hand.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import time
from pathlib import Path

import pytest

from conftest import running_pdp
from expectations import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
RESOURCES = {"doc": ["read", "write", "share", "delete"], "report": ["view", "export"], "board": ["open", "pin", "archive"]}
ROLES = [f"role{i}" for i in range(5)]
TENANTS = ["default", "east", "west"]
USERS = [f"user{i}" for i in range(6)]
SEQUENCES = int(os.environ.get("SAFETY_SEQUENCES", "4"))
STEPS = int(os.environ.get("SAFETY_STEPS", "60"))


class Policy:
    """A generated policy: each role present or not, its permissions and parents."""

    def __init__(self, rng: random.Random):
        self.roles: dict[str, tuple[list[str], list[str]]] = {}
        for index, role in enumerate(ROLES):
            if rng.random() < 0.2:
                continue  # this role is absent from this version of the policy
            permissions = set()
            for _ in range(rng.randint(0, 4)):
                kind = rng.choice(list(RESOURCES))
                permissions.add(f"{kind}:*" if rng.random() < 0.15 else f"{kind}:{rng.choice(RESOURCES[kind])}")
            # Parents among the earlier roles present: a DAG, no cycles.
            parents = sorted({p for p in rng.sample(ROLES[:index], k=min(index, rng.randint(0, 2))) if p in self.roles})
            self.roles[role] = (sorted(permissions), parents)

    def yaml(self) -> str:
        lines = ["version: 1", "resources:"]
        for kind, actions in RESOURCES.items():
            lines += [f"  {kind}:", f"    actions: [{', '.join(actions)}]"]
        lines.append("roles:")
        for role, (permissions, parents) in self.roles.items():
            lines.append(f"  {role}:")
            lines.append(f"    permissions: [{', '.join(permissions)}]")
            if parents:
                lines.append(f"    extends: [{', '.join(parents)}]")
        lines.append("tenants:")
        for tenant in TENANTS:
            lines += [f"  {tenant}:", f"    name: {tenant.title()}"]
        return "\n".join(lines) + "\n"

    def grants(self, role: str, kind: str, action: str, seen: set[str] | None = None) -> bool:
        """The reference evaluator: a role grants an action through its permissions or parents."""
        seen = seen if seen is not None else set()
        if role not in self.roles or role in seen:
            return False
        seen.add(role)
        permissions, parents = self.roles[role]
        if f"{kind}:{action}" in permissions or (f"{kind}:*" in permissions and action in RESOURCES.get(kind, [])):
            return True
        return any(self.grants(parent, kind, action, seen) for parent in parents)


def call(server, method: str, path: str, body=None):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, (json.loads(data) if data else None)


def reload_count(server) -> tuple[int, int]:
    try:
        status, body = call(server, "GET", "/ready")
    except OSError:
        server.assert_alive()  # fails with the server's stderr if it died
        raise
    assert status == 200, body
    policy = body.get("policy", body)
    return policy.get("reloads", 0), policy.get("reload_failures", 0)


def apply_policy(server, directory: Path, policy: Policy) -> None:
    before, failures = reload_count(server)
    temporary = directory / ".policy.yaml.tmp"
    temporary.write_text(policy.yaml())
    temporary.replace(directory / "policy.yaml")
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while reload_count(server)[0] <= before:
        assert time.monotonic() < deadline, "the reload did not finish within 20 s"
        time.sleep(0.01)
    assert reload_count(server)[1] == failures, f"the generated policy was rejected:\n{policy.yaml()}"


def check_everything(server, policy: Policy, users: set[str], assignments: set[tuple[str, str, str]], step: str) -> int:
    checks, expected = [], []
    kinds = {**RESOURCES, "nosuchtype": ["read"]}
    for user in USERS + ["ghost"]:
        for tenant in TENANTS + ["nosuchtenant"]:
            held = [role for (u, role, t) in assignments if u == user and t == tenant]
            for kind, actions in kinds.items():
                for action in actions + ["nosuchaction"]:
                    checks.append({"user": {"key": user}, "action": action, "resource": {"type": kind, "tenant": tenant}})
                    allowed = (user in users and kind in RESOURCES and action in RESOURCES[kind] and tenant in TENANTS
                               and any(policy.grants(role, kind, action) for role in held))
                    expected.append(allowed)
    status, body = call(server, "POST", "/allowed/bulk", checks)
    assert status == 200, body
    answers = [item["allow"] for item in body["allow"]]
    wrong = [(checks[i]["user"]["key"], checks[i]["action"], checks[i]["resource"], expected[i], answers[i])
             for i in range(len(checks)) if answers[i] != expected[i]]
    assert not wrong, (f"after {step}: {len(wrong)} decisions differ from the reference (user, action, resource, "
                       f"expected, answered), e.g. {wrong[:5]}\nassignments {sorted(assignments)}\npolicy:\n{policy.yaml()}")
    return len(checks)


@pytest.mark.parametrize("seed", range(SEQUENCES))
def test_generated_facts_and_policy_sequences_match_the_reference(tmp_path: Path, seed: int):
    rng = random.Random(seed * 7919 + 15)
    directory = tmp_path / "policy"
    directory.mkdir()
    policy = Policy(rng)
    (directory / "policy.yaml").write_text(policy.yaml())
    users: set[str] = set()
    assignments: set[tuple[str, str, str]] = set()
    total_checks = 0
    with running_pdp(["--data-dir", str(tmp_path / "data"), "--no-watch"], policies=[directory]) as server:
        total_checks += check_everything(server, policy, users, assignments, "start")
        for step in range(STEPS):
            choice = rng.random()
            live = sorted(users)
            if choice < 0.1:
                policy = Policy(rng)
                apply_policy(server, directory, policy)
                what = "a policy edit"
            elif choice < 0.25 or not live:
                user = rng.choice(USERS)
                if user in users:
                    continue
                status, body = call(server, "POST", "/facts/users", {"key": user})
                assert status in (200, 201), (status, body)
                users.add(user)
                what = f"creating {user}"
            elif choice < 0.32:
                user = rng.choice(live)
                status, body = call(server, "DELETE", f"/facts/users/{user}")
                assert status in (200, 204), (status, body)
                users.discard(user)
                assignments = {a for a in assignments if a[0] != user}
                what = f"deleting {user}"
            elif choice < 0.75:
                user, role, tenant = rng.choice(live), rng.choice(sorted(policy.roles) or ROLES), rng.choice(TENANTS)
                status, body = call(server, "POST", "/facts/role_assignments", {"user": user, "role": role, "tenant": tenant})
                if role in policy.roles:
                    assert status in (200, 201), (status, body)
                    assignments.add((user, role, tenant))
                else:
                    assert status >= 400, f"assigning {role}, which the policy does not define, answered {status}"
                what = f"assigning {role} to {user} in {tenant}"
            else:
                held = sorted(a for a in assignments if a[0] in users)
                if not held:
                    continue
                user, role, tenant = rng.choice(held)
                status, body = call(server, "DELETE", "/facts/role_assignments", {"user": user, "role": role, "tenant": tenant})
                assert status in (200, 204), (status, body)
                assignments.discard((user, role, tenant))
                what = f"unassigning {role} from {user} in {tenant}"
            total_checks += check_everything(server, policy, users, assignments, f"step {step}: {what}")
    assert total_checks > STEPS * 100


def test_sighup_right_after_the_listening_line_reloads_instead_of_killing(tmp_path: Path):
    """Found by the sequences above: `pdp serve` printed its listening line before it trapped
    SIGHUP, so a reload asked for at once (a policy edit as the first step) ended the process
    (SIGHUP's default action). It must be queued and applied."""
    directory = tmp_path / "policy"
    directory.mkdir()
    policy = Policy(random.Random(1))
    (directory / "policy.yaml").write_text(policy.yaml())
    for _ in range(5):
        with running_pdp(["--in-memory", "--no-watch"], policies=[directory]) as server:
            server.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while reload_count(server)[0] < 1:
                assert time.monotonic() < deadline, "the SIGHUP sent after the listening line was never applied"
                time.sleep(0.01)
            server.assert_alive()
