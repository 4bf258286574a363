"""Many sidecars sharing their facts through PostgreSQL (`pdp serve --facts-store postgres://`),
tested on real processes against a real PostgreSQL: a throwaway cluster of its own
(scripts/postgres-cluster.sh: Debian's postgresql, a free port, a non-root owner), removed
after. Three sidecars on one database converge; writes survive PostgreSQL stopping and
restarting mid-stream, a sidecar killed with SIGKILL, and a sidecar started while
PostgreSQL is down; writers racing on one user through different sidecars agree.

Waiting for another sidecar to see a write polls its answer until a deadline (the event is
in another process); nothing sleeps for a fixed time.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import POLICIES, REPO, _binary, running_pdp
from expectations import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
FACTS = "/v2/facts/p/e"
CLUSTER = REPO / "scripts" / "postgres-cluster.sh"
CONVERGE_SECONDS = 20

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or not CLUSTER.exists(), reason="needs bash and scripts/postgres-cluster.sh"
)


# ---- PostgreSQL ---------------------------------------------------------------------------

class Cluster:
    def __init__(self, directory: Path):
        self.directory = directory
        self.url = self._run("start").strip().splitlines()[-1]

    def _run(self, command: str) -> str:
        done = subprocess.run(["bash", str(CLUSTER), command, str(self.directory)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"postgres-cluster.sh {command}: {done.stderr}"
        return done.stdout

    def stop(self):
        self._run("stop")

    def restart(self):
        self._run("restart")

    def remove(self):
        self._run("remove")

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"pdp_{os.getpid()}_{time.monotonic_ns()}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url.replace("/pdp_test?", f"/{name}?")

    def sql(self, statement: str, url: str | None = None) -> str:
        plain = (url or self.url).split("?")[0]
        done = subprocess.run(["psql", plain, "-AtXq", "-v", "ON_ERROR_STOP=1", "-c", statement],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture(scope="module")
def cluster():
    directory = Path(tempfile.mkdtemp(prefix="pdp-pg-cluster-"))
    instance = Cluster(directory)
    try:
        yield instance
    finally:
        instance.remove()


# ---- HTTP ---------------------------------------------------------------------------------

def call(server, method, path, body=None, timeout=15):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = connection.getresponse()
        text = response.read()
    finally:
        connection.close()
    return response.status, (json.loads(text) if text else None)


def create_user(server, key, role=None, tenant="default"):
    status, body = call(server, "PUT", f"{FACTS}/users/{key}", {"key": key, "email": f"{key}@example.com"})
    if status not in (200, 201):
        return status
    if role:
        status, body = call(server, "POST", f"{FACTS}/users/{key}/roles", {"role": role, "tenant": tenant})
    return status


def allowed(server, user, action="read", resource="task", tenant="default"):
    status, body = call(server, "POST", "/allowed", {
        "user": {"key": user}, "action": action, "resource": {"type": resource, "tenant": tenant}})
    assert status == 200, body
    return body["allow"]


def ready(server):
    status, body = call(server, "GET", "/ready")
    return status, body


def facts_digest(server) -> str:
    """SHA-256 of every API user and role assignment the sidecar lists, in order."""
    users, page = [], 1
    while True:
        status, body = call(server, "GET", f"{FACTS}/users?page={page}&per_page=100")
        assert status == 200, body
        users += [(u["key"], u.get("email"), json.dumps(u.get("attributes"), sort_keys=True)) for u in body["data"]]
        if page >= body["page_count"]:
            break
        page += 1
    assignments, page = [], 1
    while True:
        status, body = call(server, "GET", f"{FACTS}/role_assignments?page={page}&per_page=100")
        assert status == 200, body
        assignments += [(a["user"], a["role"], a["tenant"]) for a in body]
        if len(body) < 100:
            break
        page += 1
    return hashlib.sha256(json.dumps([users, assignments]).encode()).hexdigest()


def wait_until(predicate, what, seconds=CONVERGE_SECONDS):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}", pytrace=False)
        time.sleep(0.02)  # polling another process's answer: the event is not ours to await


def metrics_text(server) -> str:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {API_KEY}"})
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def position(server) -> int:
    return ready(server)[1]["facts"]["position"]


def converged(servers):
    positions = {position(s) for s in servers}
    return len(positions) == 1 and positions


@contextlib.contextmanager
def sidecars(count, url, data_dirs=None, extra=()):
    with contextlib.ExitStack() as stack:
        servers = []
        for index in range(count):
            data_dir = data_dirs[index] if data_dirs else Path(tempfile.mkdtemp(prefix="pdp-sidecar-"))
            servers.append(stack.enter_context(running_pdp(["--facts-store", url, "--data-dir", str(data_dir), *extra])))
            servers[-1].data_dir = data_dir
        yield servers


def workload(users):
    return [(u, a, t) for u in users for a in ("read", "readall", "assign") for t in ("default", "acme")]


def answers(server, checks):
    results = []
    for start in range(0, len(checks), 100):
        chunk = checks[start:start + 100]
        status, body = call(server, "POST", "/allowed/bulk", [
            {"user": {"key": u}, "action": a, "resource": {"type": "task", "tenant": t}} for u, a, t in chunk])
        assert status == 200, body
        results += [r["allow"] for r in body["allow"]]
    return results


# ---- tests --------------------------------------------------------------------------------

def test_three_sidecars_share_every_write_and_answer_alike(cluster):
    url = cluster.database()
    with sidecars(3, url) as servers:
        keys = []
        for index in range(30):
            writer = servers[index % 3]
            key = f"u{index}"
            role = "admin" if index % 2 else "viewer"
            assert create_user(writer, key, role, "acme" if index % 5 == 0 else "default") in (200, 201)
            keys.append(key)
            # Read-your-writes: the sidecar that acknowledged answers the next check with it.
            tenant = "acme" if index % 5 == 0 else "default"
            assert allowed(writer, key, "read", tenant=tenant)
            for other in servers:
                wait_until(lambda: allowed(other, key, "read", tenant=tenant), f"{key} visible on {other.url}")
        wait_until(lambda: converged(servers), "the three sidecars at one position")
        checks = workload(keys + ["alice", "bob", "carol", "dave", "nobody"])
        expected = answers(servers[0], checks)
        assert any(expected) and not all(expected)
        for server in servers[1:]:
            assert answers(server, checks) == expected
        digests = {facts_digest(s) for s in servers}
        assert len(digests) == 1, digests
        details = [ready(s) for s in servers]
        assert all(status == 200 for status, _ in details)
        assert len({body["policy"]["digest"] for _, body in details}) == 1
        assert {body["facts"]["storage"] for _, body in details} == {"postgres"}
        assert all(body["facts"]["connected"] and body["facts"]["synced"] for _, body in details)
        # /metrics tells the same: one digest and one position on every sidecar.
        shown = set()
        for server in servers:
            text = metrics_text(server)
            digest = re.search(r'^pdp_policy_info\{digest="([0-9a-f]+)"\} 1', text, re.M).group(1)
            at = int(float(re.search(r"^pdp_facts_position (\S+)", text, re.M).group(1)))
            assert re.search(r"^pdp_facts_store_connected 1", text, re.M), text
            shown.add((digest, at))
        assert shown == {(details[0][1]["policy"]["digest"], position(servers[0]))}
        # The static workload still decides as the policy files say, on every sidecar.
        for server in servers:
            run = subprocess.run(
                [str(_binary()), "load", "--url", server.url, *sum((["--policy", str(p)] for p in POLICIES), []),
                 "--verify", "--requests", "300", "--connections", "2", "--api-key", API_KEY],
                capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, run.stdout + run.stderr
        # The tables hold one row per key, whichever sidecar wrote it.
        assert cluster.sql("SELECT count(*) FROM pdp_users", url) == "30"
        assert cluster.sql("SELECT max(position) FROM pdp_facts_changes", url) == str(position(servers[0]))


def test_postgres_stopped_and_restarted_mid_stream_loses_no_acknowledged_write(cluster):
    url = cluster.database()
    with sidecars(2, url) as (a, b):
        acknowledged, refused, stop = [], [], threading.Event()

        def write_stream():
            index = 0
            while not stop.is_set() and index < 2000:
                key = f"s{index}"
                index += 1
                try:
                    status = create_user(a, key, "viewer")
                except OSError:
                    status = None
                (acknowledged if status in (200, 201) else refused).append((key, status))

        writer = threading.Thread(target=write_stream)
        writer.start()
        try:
            wait_until(lambda: len(acknowledged) >= 20, "writes acknowledged before the outage")
            cluster.stop()
            # Writes are refused with 503 while decisions go on from the last state.
            wait_until(lambda: any(status == 503 for _, status in refused), "a write answered 503 during the outage")
            assert allowed(b, acknowledged[0][0]) and allowed(a, acknowledged[0][0])
            status, body = ready(a)
            assert status == 200 and body["facts"]["connected"] is False, body
            cluster.restart()
            count = len(acknowledged)
            wait_until(lambda: len(acknowledged) >= count + 20, "writes acknowledged again after the restart")
        finally:
            stop.set()
            writer.join(60)
        assert all(status in (503, None) for _, status in refused), refused[:5]
        wait_until(lambda: converged([a, b]), "both sidecars at one position after the restart")
        for key, _ in acknowledged:
            assert allowed(a, key) and allowed(b, key), key
        assert facts_digest(a) == facts_digest(b)
        assert int(cluster.sql("SELECT count(*) FROM pdp_role_assignments", url)) >= len(acknowledged)


def test_sidecar_killed_and_restarted_catches_up(cluster):
    url = cluster.database()
    dirs = [Path(tempfile.mkdtemp(prefix="pdp-sidecar-")) for _ in range(2)]
    with sidecars(1, url, dirs[:1]) as (a,):
        assert create_user(a, "before", "viewer") == 201
        with running_pdp(["--facts-store", url, "--data-dir", str(dirs[1])]) as b:
            wait_until(lambda: allowed(b, "before"), "b sees the first write")
            b.process.send_signal(signal.SIGKILL)
            b.process.wait(10)
        for index in range(10):
            assert create_user(a, f"after{index}", "admin") == 201
        with running_pdp(["--facts-store", url, "--data-dir", str(dirs[1])]) as b:
            # Started from its local copy, then caught up by reading the log from there.
            wait_until(lambda: all(allowed(b, f"after{i}", "readall") for i in range(10)), "b caught up after SIGKILL")
            assert allowed(b, "before")
            wait_until(lambda: converged([a, b]), "one position")
            assert facts_digest(a) == facts_digest(b)


def test_sidecar_started_while_postgres_is_down_serves_its_last_state_then_converges(cluster):
    url = cluster.database()
    dirs = [Path(tempfile.mkdtemp(prefix="pdp-sidecar-")) for _ in range(2)]
    with sidecars(1, url, dirs[:1]) as (a,):
        assert create_user(a, "kept", "admin") == 201
    cluster.stop()
    try:
        with running_pdp(["--facts-store", url, "--data-dir", str(dirs[0]), "--max-staleness", "30"]) as a:
            assert allowed(a, "kept", "readall"), "the last state is served while PostgreSQL is down"
            status, body = ready(a)
            assert body["facts"]["connected"] is False and body["facts"]["position"] == 2, body
            assert status == 503, "never synced since start: past --max-staleness"
            status, _ = call(a, "PUT", f"{FACTS}/users/refused", {"key": "refused"})
            assert status == 503
            cluster.restart()
            wait_until(lambda: ready(a)[0] == 200, "/ready 200 once caught up")
            with running_pdp(["--facts-store", url, "--data-dir", str(dirs[1])]) as b:
                assert create_user(b, "later", "viewer") == 201
                wait_until(lambda: allowed(a, "later"), "the restarted sidecar follows new writes")
                assert not allowed(a, "refused")
                assert facts_digest(a) == facts_digest(b)
    finally:
        with contextlib.suppress(AssertionError):
            cluster.restart()


def test_text_postgresql_cannot_hold_is_a_clear_422_and_changes_nothing(cluster):
    url = cluster.database()
    with sidecars(1, url) as (a,):
        status, body = call(a, "PUT", f"{FACTS}/users/nul", {"key": "nul", "first_name": "a\u0000b"})
        assert status == 422 and "U+0000" in json.dumps(body), body
        status, body = call(a, "PUT", f"{FACTS}/users/{'k' * 3000}", {"key": "k" * 3000})
        assert status == 422 and "2400 bytes" in json.dumps(body), body
        assert create_user(a, "fine", "viewer") == 201
        assert cluster.sql("SELECT string_agg(key, ',') FROM pdp_users", url) == "fine"
        assert position(a) == 2, "the user and its role: the refused writes took no position"


def test_writers_racing_on_one_user_through_different_sidecars_agree(cluster):
    url = cluster.database()
    with sidecars(2, url) as servers:
        assert create_user(servers[0], "racer") == 201
        errors = []

        def race(server, offset):
            for index in range(60):
                role = ("admin", "viewer")[(index + offset) % 2]
                tenant = ("default", "acme")[index % 2]
                method = "POST" if index % 3 else "DELETE"
                status, body = call(server, method, f"{FACTS}/users/racer/roles", {"role": role, "tenant": tenant})
                if status not in (200, 201, 204, 404, 409):
                    errors.append((status, body))
                status, body = call(server, "PATCH", f"{FACTS}/users/racer", {"attributes": {"by": server.port, "i": index}})
                if status != 200:
                    errors.append((status, body))

        threads = [threading.Thread(target=race, args=(s, i)) for i, s in enumerate(servers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors, errors[:5]
        wait_until(lambda: converged(servers), "one position after the race")
        assert facts_digest(servers[0]) == facts_digest(servers[1])
        checks = workload(["racer"])
        assert answers(servers[0], checks) == answers(servers[1], checks)
        rows = cluster.sql("SELECT role || '@' || tenant_key FROM pdp_role_assignments WHERE user_key = 'racer' ORDER BY 1", url)
        _, listed = call(servers[0], "GET", f"{FACTS}/role_assignments?user=racer")
        assert sorted(f"{a['role']}@{a['tenant']}" for a in listed) == (rows.splitlines() if rows else [])
