"""`pdp serve` as an operator starts it: the address it binds (and refuses to share), the
host it prints, the loopback rule without an API key, and option validation. Real processes,
real sockets, on 127.0.0.1 and ::1 only."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
from pathlib import Path

from conftest import POLICIES, _binary, running_pdp
from expectations import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(host: str, port: int, method: str, path: str, body=None):
    # A new connection per request, as Permit's Python SDK makes them.
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def serve(*args: str, env: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """Runs `pdp serve` with the compat policies and `args`, expecting it to exit by itself."""
    command = [str(_binary()), "serve"]
    for policy in POLICIES:
        command += ["--policy", str(policy)]
    try:
        return subprocess.run(command + list(args), capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"`pdp serve {' '.join(args)}` kept running; stdout: {expired.stdout!r}") from None


def test_a_second_server_on_a_held_port_exits_8_and_the_first_keeps_all_traffic(tmp_path: Path):
    port = free_port()
    with running_pdp(["--in-memory", "--port", str(port)]) as first:
        assert first.port == port
        # A fact only the first server has: with the port shared, some checks would deny.
        status, _ = request("127.0.0.1", port, "PUT", "/facts/users/zed",
                            {"key": "zed", "role_assignments": [{"role": "admin", "tenant": "default"}]})
        assert status in (200, 201)

        second = serve("--host", "127.0.0.1", "--port", str(port), "--api-key", API_KEY,
                       "--data-dir", str(tmp_path / "second"))
        assert second.returncode == 8, second.stdout + second.stderr
        assert f"address 127.0.0.1:{port} already in use" in second.stderr
        assert "pdp listening" not in second.stdout

        check = {"user": {"key": "zed"}, "action": "readall", "resource": {"type": "task"}}
        answers = [request("127.0.0.1", port, "POST", "/allowed", check) for _ in range(60)]
        assert answers == [(200, {"allow": True, "result": True})] * 60
        first.assert_alive()


def test_a_restart_binds_the_same_port_while_the_last_runs_connections_linger():
    # SIGTERM closes the idle keep-alive connections from the server's side, which leaves
    # them in TIME_WAIT on the server's port for a minute: SO_REUSEADDR lets the next start
    # bind it at once (never SO_REUSEPORT, which would let two servers share it).
    port = free_port()
    check = {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task"}}
    with running_pdp(["--in-memory", "--port", str(port)]) as first:
        kept = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(8)]
        for connection in kept:
            connection.request("POST", "/allowed", json.dumps(check), HEADERS)
            assert connection.getresponse().read()
    for connection in kept:
        connection.close()
    with running_pdp(["--in-memory", "--port", str(port)]) as second:
        assert second.port == port
        assert request("127.0.0.1", port, "POST", "/allowed", check)[0] == 200


def test_an_ipv6_host_is_printed_in_brackets_and_served():
    with running_pdp(["--in-memory", "--host", "::1"]) as server:
        assert server.url == f"http://[::1]:{server.port}"
        status, body = request("::1", server.port, "POST", "/allowed",
                               {"user": {"key": "alice"}, "action": "readall", "resource": {"type": "task"}})
        assert (status, body["allow"]) == (200, True)


def test_a_name_that_only_looks_like_loopback_is_refused_without_an_api_key():
    env = {key: value for key, value in os.environ.items() if key not in ("PDP_API_KEY", "PERMIT_API_KEY")}
    # `.invalid` never resolves (RFC 6761); the name used to pass for its `127.` prefix.
    refused = serve("--host", "127.invalid", "--port", "0", "--in-memory", env=env)
    assert refused.returncode == 64, refused.stdout + refused.stderr
    assert "cannot resolve the host `127.invalid`" in refused.stderr
    assert "pdp listening" not in refused.stdout


def test_zero_threads_is_a_usage_error():
    result = serve("--threads", "0", "--port", "0", "--in-memory")
    assert result.returncode == 64, result.stdout + result.stderr
    assert "--threads must be between 1 and 1024" in result.stderr
