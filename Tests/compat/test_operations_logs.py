"""The decision log, the access log, JSON logs and `PDP_*` variables on the real binary:
log lines match the decisions made, no log ever holds the API key or a request body, and
every `pdp serve` option can come from the environment, a flag winning over its variable.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess

from conftest import POLICIES, REPO, _binary, running_pdp
from expectations import API_KEY
from test_operations import call

CHECKS = [
    ({"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "t1", "tenant": "default"}}, True),
    ({"user": {"key": "nobody"}, "action": "read", "resource": {"type": "task"}}, False),
    ({"user": {"key": "bob"}, "action": "deleteany", "resource": {"type": "task"}}, None),
]


def stop(server) -> None:
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0, server.stderr()


def test_the_decision_log_has_a_line_per_decision_made(tmp_path):
    log = tmp_path / "decisions.jsonl"
    with running_pdp(["--in-memory", "--no-watch", "--decision-log", str(log)]) as server:
        made = []
        for body, _ in CHECKS:
            status, answer, _ = call(server, "POST", "/allowed", body)
            assert status == 200
            made.append((body["user"]["key"], body["action"], json.loads(answer)["allow"]))
        status, answer, _ = call(server, "POST", "/allowed/bulk", [body for body, _ in CHECKS])
        assert status == 200
        made += [(b["user"]["key"], b["action"], a["allow"]) for (b, _), a in zip(CHECKS, json.loads(answer)["allow"])]
        stop(server)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    # Each event loop writes its own lines in order; the loops' batches interleave in any
    # order (each request here came on a connection of its own, so possibly another loop).
    logged = [(line["route"], line["user"], line["action"], line["allow"]) for line in lines]
    expected = [("/allowed", *m) for m in made[:3]] + [("/allowed/bulk", *m) for m in made[3:]]
    assert sorted(logged) == sorted(expected)
    bulk = [entry for entry in logged if entry[0] == "/allowed/bulk"]
    assert bulk == expected[3:], "one request's decisions are logged in order"
    by_user = {(line["route"], line["user"]): line for line in lines}
    alice = by_user[("/allowed", "alice")]
    assert alice["resource_type"] == "task" and alice["resource_key"] == "t1" and alice["tenant"] == "default"
    assert alice["role"] == "admin" and isinstance(alice["latency_us"], int) and alice["time"].endswith("Z")
    nobody = by_user[("/allowed", "nobody")]
    assert nobody["reason"] == "unknown_user" and "role" not in nobody


def test_the_decision_log_samples_and_can_go_to_standard_output():
    with running_pdp(["--in-memory", "--no-watch", "--decision-log", "-", "--decision-log-sample", "0.5"]) as server:
        bulk = [{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task"}}] * 400
        assert call(server, "POST", "/allowed/bulk", bulk)[0] == 200
        stop(server)
        lines = [json.loads(line) for line in server.stdout_lines if line.startswith("{")]
    # 400 draws at 1/2: 200 expected, standard deviation 10.
    assert 140 <= len(lines) <= 260, len(lines)
    assert all(line["user"] == "alice" and line["allow"] is True for line in lines)


def test_no_log_holds_the_api_key_or_a_request_body(tmp_path):
    decisions, access = tmp_path / "decisions.jsonl", tmp_path / "access.jsonl"
    marker = "BODY-MARKER-7f3a"
    wrong_key = "wrong-key-5c1d9e"
    with running_pdp(["--in-memory", "--no-watch", "--log-level", "trace", "--log-format", "json",
                      "--decision-log", str(decisions), "--access-log", str(access)]) as server:
        body = {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task"}, "context": {"note": marker}}
        assert call(server, "POST", "/allowed", body)[0] == 200
        assert call(server, "POST", "/allowed", body, headers={"Authorization": f"Bearer {wrong_key}"})[0] == 403
        assert call(server, "POST", "/allowed", '{"user": "' + marker)[0] == 400
        assert call(server, "POST", "/allowed", {"user": {"key": "a"}, "action": 1, "note": marker})[0] == 422
        assert call(server, "PUT", "/facts/users/u1", {"key": "u1", "attributes": {"secret": marker}})[0] in (200, 201)
        assert call(server, "POST", f"/allowed?token={marker}", body)[0] == 200
        assert call(server, "GET", "/metrics")[0] == 200
        stop(server)
        outputs = {"stderr": server.stderr(), "stdout": "".join(server.stdout_lines),
                   "decision log": decisions.read_text(), "access log": access.read_text()}
    for name, text in outputs.items():
        for secret in (API_KEY, wrong_key, marker):
            assert secret not in text, f"{secret!r} in the {name}"
    assert len(outputs["access log"].splitlines()) == 7
    stderr_lines = [line for line in outputs["stderr"].splitlines() if line.strip()]
    assert stderr_lines, "trace logging wrote nothing"
    for line in stderr_lines:
        record = json.loads(line)
        assert {"time", "level", "label", "message"} <= record.keys(), record


def serve_help() -> str:
    result = subprocess.run([str(_binary()), "serve", "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_serve_option_names_its_environment_variable():
    text = serve_help()
    # Options start their line at a two-space indent; wrapped help lines are indented more.
    options = re.findall(r"^  (--[a-z-]+)", text, re.MULTILINE)
    assert "--port" in options and "--shutdown-timeout" in options, options
    # An option's help may wrap onto following lines: take the text up to the next option.
    blocks = re.split(r"\n(?=  --[a-z])", text)
    for option in set(options) - {"--help", "--version"}:
        block = next(b for b in blocks if b.strip().startswith(option))
        assert "PDP_" in block, f"{option} does not name its variable:\n{block}"
    assert "PERMIT_API_KEY" in text and "(default: 7766)" in text


def test_options_come_from_pdp_variables_and_a_flag_wins():
    env = {
        "PDP_POLICY": ":".join(str(p) for p in POLICIES),
        "PDP_IN_MEMORY": "true",
        "PDP_METRICS_UNAUTHENTICATED": "1",
        "PDP_WATCH": "false",
        "PDP_HOST": "203.0.113.9",  # not this machine's: the --host flag must win
        "PDP_PORT": "1",
        "PDP_MAX_BULK_CHECKS": "2",
        "PDP_API_KEY": "from-the-environment",
    }
    with running_pdp([], policies=[], env=env, api_key=None) as server:
        assert server.host == "127.0.0.1" and server.port != 1
        assert call(server, "GET", "/metrics", headers={})[0] == 200
        headers = {"Authorization": "Bearer from-the-environment", "Content-Type": "application/json"}
        status, body, _ = call(server, "POST", "/allowed", CHECKS[0][0], headers=headers)
        assert status == 200 and json.loads(body)["allow"] is True, "users.yaml came from PDP_POLICY"
        too_many = [CHECKS[0][0]] * 3
        assert call(server, "POST", "/allowed/bulk", too_many, headers=headers)[0] == 413
    with running_pdp(["--in-memory", "--max-bulk-checks", "5"], env={"PDP_MAX_BULK_CHECKS": "2"}) as server:
        assert call(server, "POST", "/allowed/bulk", [CHECKS[0][0]] * 3)[0] == 200, "the flag wins"


def test_permit_api_key_keeps_working():
    with running_pdp(["--in-memory", "--no-watch"], env={"PERMIT_API_KEY": "permit-style-key"}, api_key=None) as server:
        headers = {"Authorization": "Bearer permit-style-key", "Content-Type": "application/json"}
        assert call(server, "POST", "/allowed", CHECKS[0][0], headers=headers)[0] == 200
        assert call(server, "POST", "/allowed", CHECKS[0][0])[0] == 403


def test_a_bad_variable_is_a_usage_error_that_names_it():
    result = subprocess.run([str(_binary()), "serve", "--policy", str(POLICIES[0])], capture_output=True, text=True, timeout=30,
                            cwd=REPO, env={"PATH": "/usr/bin:/bin", "PDP_PORT": "eighty"})
    assert result.returncode == 64, (result.returncode, result.stderr)
    assert "PDP_PORT=eighty" in result.stderr, result.stderr
