"""Crash test: writes stream in while `pdp serve` is killed with SIGKILL at a random moment,
five times over one data directory. After every restart each acknowledged write must be
there, and no write may be half-applied (each write is one `PUT /facts/users/{key}` that
creates the user *and* assigns a role: a user without its role would be half of one).
"""

from __future__ import annotations

import http.client
import json
import random
import signal
import threading
import time

from expectations import API_KEY
from conftest import running_pdp

ROUNDS = 5
WRITERS = 4
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


def stream(server, round_number, writer, acknowledged, stop):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    index = 0
    while not stop.is_set():
        key = f"crash-{round_number}-{writer}-{index}"
        body = {"key": key, "role_assignments": [{"role": "viewer", "tenant": "acme"}]}
        try:
            connection.request("PUT", f"/facts/users/{key}", json.dumps(body), HEADERS)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # the server died: this write was not acknowledged
        assert response.status in (200, 201), response.status
        acknowledged.append(key)
        index += 1


def get_json(server, path):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
    except OSError:
        server.assert_alive()  # fails with the server's stderr if it died
        raise
    assert response.status == 200, (path, response.status)
    return json.loads(response.read())


def all_pages(server, path, paginated):
    items, page = [], 1
    while True:
        body = get_json(server, f"{path}?page={page}&per_page=100")
        batch = body["data"] if paginated else body
        if not batch:
            return items
        items += batch
        page += 1


def test_acknowledged_writes_survive_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    acknowledged: list[str] = []
    rng = random.Random()
    for round_number in range(ROUNDS + 1):
        with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
            users = {u["key"] for u in all_pages(server, "/facts/users", paginated=True)}
            assigned = {a["user"] for a in all_pages(server, "/facts/role_assignments", paginated=False)
                        if a["role"] == "viewer" and a["tenant"] == "acme"}
            crash_users = {u for u in users if u.startswith("crash-")}
            missing = set(acknowledged) - crash_users
            assert not missing, f"round {round_number}: {len(missing)} acknowledged writes lost, e.g. {sorted(missing)[:5]}"
            half = crash_users - assigned
            assert not half, f"round {round_number}: users without their role (half-applied): {sorted(half)[:5]}"
            if round_number == ROUNDS:
                assert len(acknowledged) >= 1000, f"only {len(acknowledged)} writes were acknowledged in {ROUNDS} rounds"
                break
            stop = threading.Event()
            threads = [threading.Thread(target=stream, args=(server, round_number, w, acknowledged, stop)) for w in range(WRITERS)]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.5, 2.0))
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(10)
            stop.set()
            for thread in threads:
                thread.join(15)
