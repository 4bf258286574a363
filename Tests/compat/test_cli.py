"""The `pdp validate | check | diff | test` commands, run as a user runs them: the built
binary on real files, asserting output lines and exit statuses."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from conftest import REPO, _binary

TASKS = REPO / "policies" / "tasks.yaml"


def pdp(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([str(_binary()), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_validate_accepts_the_task_policy_with_a_summary():
    result = pdp("validate", str(TASKS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok: 3 resources, 15 actions, 2 roles, 1 tenant, 0 users"


def test_validate_reports_every_problem_with_its_location(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\n"
        "resources:\n"
        "  task:\n"
        "    actions: [read]\n"
        "roles:\n"
        "  viewer:\n"
        "    permissions: [task:write, tusk:read]\n"
        "    extends: [ghost]\n"
        "    extend: [x]\n"
        "  a: {extends: [b]}\n"
        "  b: {extends: [a]}\n"
    )
    result = pdp("validate", str(bad))
    assert result.returncode == 3
    lines = result.stdout.strip().splitlines()
    assert lines[:-1] == [
        f"{bad}:7:19: error[unknown-action]: permission 'task:write' names action 'write', which resource 'task' does not declare",
        f"{bad}:7:31: error[unknown-resource]: permission 'tusk:read' names resource 'tusk', which is not declared",
        f"{bad}:8:15: error[unknown-role]: role 'viewer' extends 'ghost', which is not a declared role",
        f"{bad}:9:5: error[unknown-field]: unknown field `extend` in role `viewer`; expected one of `description`, `extends`, `name`, `permissions`",
        f"{bad}:11:17: error[inheritance-cycle]: role inheritance forms a cycle: a -> b -> a",
    ]
    assert lines[-1] == f"5 errors in {bad}"


def test_validate_rejects_garbage_quickly(tmp_path: Path):
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(bytes((i * 7919) % 256 for i in range(200_000)))
    result = pdp("validate", str(garbage))
    assert result.returncode == 3
    assert "error[yaml-syntax]" in result.stdout


def test_check_explains_allow_and_deny():
    allowed = pdp("check", "--policy", str(TASKS), "--user", "u", "--role", "admin", "--action", "read", "--resource", "task:1")
    assert allowed.returncode == 0
    assert allowed.stdout.splitlines() == ["allow", "  allowed: role 'admin' (via 'viewer') in tenant 'default' grants task:read"]
    denied = pdp("check", "--policy", str(TASKS), "--user", "u", "--role", "viewer", "--action", "deleteany", "--resource", "task")
    assert denied.returncode == 1
    assert denied.stdout.splitlines()[0] == "deny"
    assert "it is granted by 'admin'" in denied.stdout
    unknown = pdp("check", "--policy", str(TASKS), "--user", "nobody", "--action", "read", "--resource", "task")
    assert unknown.returncode == 1
    assert "no user 'nobody'" in unknown.stdout


def test_diff_gates_on_changes(tmp_path: Path):
    same = pdp("diff", str(TASKS), str(TASKS))
    assert same.returncode == 0
    assert same.stdout.strip() == "no permission changes"
    changed = tmp_path / "tasks.yaml"
    changed.write_text(TASKS.read_text().replace("      - task:readall\n", "").replace("      - task:delete\n", "      - task:delete\n      - task:readall\n"))
    result = pdp("diff", str(TASKS), str(changed))
    assert result.returncode == 1
    assert "role viewer: +task:readall" in result.stdout.splitlines()


def test_test_command_passes_the_bundled_suite_and_reports_failures(tmp_path: Path):
    ok = pdp("test", str(REPO / "policies" / "tasks_test.yaml"))
    assert ok.returncode == 0, ok.stdout
    assert ok.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")
    suite = tmp_path / "wrong_test.yaml"
    suite.write_text(
        f"policy: {TASKS}\n"
        "users:\n"
        "  vera: {roles: [viewer]}\n"
        "tests:\n"
        "  - name: viewers cannot delete any task\n"
        "    user: vera\n"
        "    action: deleteany\n"
        "    resource: task\n"
        "    expect: allow\n"
    )
    failed = pdp("test", str(suite))
    assert failed.returncode == 4
    assert f"{suite}:5:" in failed.stdout
    assert "FAIL viewers cannot delete any task: expected allow; denied:" in failed.stdout


def test_cli_stays_responsive_on_a_policy_with_100k_users(tmp_path: Path):
    big = tmp_path / "big.yaml"
    with big.open("w") as out:
        out.write(TASKS.read_text())
        out.write("users:\n")
        for i in range(100_000):
            out.write(f"  user{i}: {{roles: [{'admin' if i % 10 == 0 else 'viewer'}]}}\n")
    started = time.monotonic()
    result = pdp("check", "--policy", str(big), "--user", "user70", "--action", "readall", "--resource", "task")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout
    # A functional bound (not a benchmark): generous enough for a debug build on a busy CI box.
    assert elapsed < 60, f"pdp check took {elapsed:.1f}s on 100k users"


def test_serve_prints_policy_errors_to_stderr_and_exits_3(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("resources:\n  task:\n    actions: [read]\nroles:\n  viewer:\n    permissions: [task:write]\n")
    result = pdp("serve", "--policy", str(bad), "--port", "0", "--in-memory")
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert result.stdout == "", "nothing on stdout: `>/dev/null` must not hide why it exited"
    assert f"{bad}:6:" in result.stderr and "error[" in result.stderr, result.stderr
    assert "errors in" in result.stderr


def test_version():
    result = pdp("--version")
    assert result.returncode == 0
    assert result.stdout.strip().split(".")[0].isdigit(), result.stdout


def test_serve_usage_errors_found_after_parsing_show_the_serve_usage():
    result = pdp("serve", "--policy", str(TASKS), "--host", "0.0.0.0", "--in-memory")
    assert result.returncode == 64
    assert "refusing to listen on 0.0.0.0" in result.stderr and "without an API key" in result.stderr
    assert "Usage: pdp serve" in result.stderr and "pdp <subcommand>" not in result.stderr, result.stderr


def test_load_against_a_closed_port_says_connection_refused_and_warns_of_an_all_deny_workload():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = pdp("load", "--url", f"http://127.0.0.1:{port}", "--policy", str(TASKS), "--duration", "0.3", "--connections", "2")
    assert result.returncode == 6, (result.stdout, result.stderr)
    assert f"connection refused by 127.0.0.1:{port}" in result.stdout, result.stdout
    assert "every generated check is a deny" in result.stderr, result.stderr


def test_serve_keeps_facts_in_a_stable_per_user_directory_and_says_so(tmp_path: Path):
    import json
    import os
    import urllib.request

    home = tmp_path / "home"
    home.mkdir()
    environment = {key: value for key, value in os.environ.items() if key not in ("PDP_DATA_DIR", "XDG_STATE_HOME")}
    environment["HOME"] = str(home)
    expected = home / ".local" / "state" / "swift-pdp"

    def serve(cwd: Path):
        process = subprocess.Popen([str(_binary()), "serve", "--policy", str(TASKS), "--port", "0", "--no-watch"],
                                   cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = process.stdout.readline()
        assert line.startswith("pdp listening on "), line
        return process, line.split()[-1]

    first, url = serve(tmp_path)
    request = urllib.request.Request(f"{url}/facts/users/ada", data=json.dumps({"key": "ada"}).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=10).status in (200, 201)
    first.terminate()
    assert first.wait(10) == 0
    assert f"loaded from {expected}" in first.stderr.read()
    assert (expected / "facts.journal").exists()
    assert not (tmp_path / ".pdp-data").exists(), "nothing in the working directory"

    # Started from another directory, the same facts come back, and the log says how many.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    second, _ = serve(elsewhere)
    second.terminate()
    assert second.wait(10) == 0
    assert f"facts: 1 users, 0 tenants, 0 role assignments loaded from {expected}" in second.stderr.read()


def test_load_verifies_against_facts_written_through_the_api(tmp_path: Path):
    import http.client
    import json

    from conftest import running_pdp
    from expectations import API_KEY

    with running_pdp(["--in-memory"], policies=[TASKS]) as server:
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        for index in range(20):
            role = "admin" if index % 4 == 0 else "viewer"
            body = {"key": f"load-{index}", "role_assignments": [{"role": role, "tenant": "default"}]}
            connection.request("PUT", f"/facts/users/load-{index}", json.dumps(body), headers)
            response = connection.getresponse()
            response.read()
            assert response.status in (200, 201)
        connection.close()
        arguments = ["load", "--url", server.url, "--policy", str(TASKS), "--api-key", API_KEY,
                     "--requests", "3000", "--connections", "4", "--verify"]
        result = pdp(*arguments)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "served facts: 20 role assignments of 20 users" in result.stderr, result.stderr
        assert "mismatches  0" in result.stdout, result.stdout
        allowed = int(result.stdout.split("workload    ")[1].split("% allowed")[0].split(", ")[1])
        assert allowed > 10, result.stdout
        # Without them the policy alone has no users: every generated check is a deny, and it says so.
        blind = pdp(*arguments, "--no-served-facts")
        assert blind.returncode == 0, blind.stdout + blind.stderr
        assert "every generated check is a deny" in blind.stderr
