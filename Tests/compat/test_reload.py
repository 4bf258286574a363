"""Live policy reload on the real process: a policy file edited on disk is picked up by the
watcher, an invalid edit keeps the last good policy answering and is reported on /ready with
file:line:column, and SIGHUP reloads when watching is off."""

from __future__ import annotations

import http.client
import json
import signal
import time
from pathlib import Path

from conftest import REPO, running_pdp
from expectations import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
TASKS = (REPO / "policies" / "tasks.yaml").read_text()
USERS = "version: 1\nusers:\n  vera: {roles: [viewer]}\n"


def request(server, method, path, body=None):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def vera_may_readall(server) -> bool:
    status, body = request(server, "POST", "/allowed", {"user": {"key": "vera"}, "action": "readall", "resource": {"type": "task"}})
    assert status == 200
    return body["allow"]


def wait_for(predicate, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def write_policy(directory: Path, text: str) -> None:
    # Write then rename, as editors and deploy tools do, so the watcher never sees half a file.
    temporary = directory / ".tasks.yaml.tmp"
    temporary.write_text(text)
    temporary.replace(directory / "tasks.yaml")


def test_watcher_applies_valid_edits_and_reports_invalid_ones(tmp_path: Path):
    policy = tmp_path / "policy"
    policy.mkdir()
    write_policy(policy, TASKS)
    (policy / "users.yaml").write_text(USERS)
    with running_pdp(["--in-memory"], policies=[policy]) as server:
        assert not vera_may_readall(server)

        # A valid edit: viewers may now read every task.
        write_policy(policy, TASKS.replace("      - task:create\n", "      - task:create\n      - task:readall\n", 1))
        wait_for(lambda: vera_may_readall(server), "the watcher to apply the new policy")

        # An invalid edit: the last good policy keeps answering, /ready says why, with the location.
        broken = TASKS.replace("      - task:create\n", "      - task:create\n      - task:readall\n      - task:fly\n", 1)
        write_policy(policy, broken)
        line = broken.splitlines().index("      - task:fly") + 1

        def reported() -> bool:
            status, body = request(server, "GET", "/ready")
            error = (body.get("policy") or {}).get("last_reload_error") or ""
            return status == 200 and f"tasks.yaml:{line}:" in error and "unknown-action" in error

        wait_for(reported, "/ready to report the invalid policy")
        assert vera_may_readall(server), "the last good policy must keep answering"


def test_sighup_reloads_when_watching_is_off(tmp_path: Path):
    policy = tmp_path / "policy"
    policy.mkdir()
    write_policy(policy, TASKS)
    (policy / "users.yaml").write_text(USERS)
    with running_pdp(["--in-memory", "--no-watch"], policies=[policy]) as server:
        assert not vera_may_readall(server)
        write_policy(policy, TASKS.replace("      - task:create\n", "      - task:create\n      - task:readall\n", 1))
        time.sleep(1.5)  # longer than the watcher's poll interval: with --no-watch nothing may change
        assert not vera_may_readall(server)
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: vera_may_readall(server), "SIGHUP to reload the policy")


def test_a_kubernetes_configmap_update_is_picked_up(tmp_path: Path):
    """A ConfigMap volume: the visible files are symlinks through `..data`, which the kubelet
    swaps atomically to a new timestamped directory on every update. Hidden entries must not be
    loaded twice, and the swap must trigger a reload."""
    policy = tmp_path / "configmap"
    policy.mkdir()

    def publish(version: str, tasks: str) -> None:
        payload = policy / f"..2026_12_07_{version}"
        payload.mkdir()
        (payload / "tasks.yaml").write_text(tasks)
        (payload / "users.yaml").write_text(USERS)
        link = policy / "..data_tmp"
        link.symlink_to(payload.name)
        link.replace(policy / "..data")

    publish("1", TASKS)
    for name in ("tasks.yaml", "users.yaml"):
        (policy / name).symlink_to(f"..data/{name}")
    with running_pdp(["--in-memory"], policies=[policy]) as server:
        assert not vera_may_readall(server)
        publish("2", TASKS.replace("      - task:create\n", "      - task:create\n      - task:readall\n", 1))
        wait_for(lambda: vera_may_readall(server), "the ConfigMap update to be applied")
        status, body = request(server, "GET", "/ready")
        assert status == 200 and not (body.get("policy") or {}).get("last_reload_error"), body
