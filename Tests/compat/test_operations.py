"""Operations on the real `pdp serve` binary: SIGTERM under load drops no accepted request,
`/ready` follows whether the data directory can be written, and `/metrics` counts what was
sent.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import threading
import time

from conftest import running_pdp
from expectations import API_KEY
from test_durability import fill, small_disk  # noqa: F401  (small_disk is a fixture)

HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
CHECK = json.dumps({"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "tenant": "default"}})


def call(server, method, path, body=None, headers=HEADERS):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, body if isinstance(body, (str, bytes)) or body is None else json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, response.read().decode(), dict(response.getheaders())
    finally:
        connection.close()


def parse_metrics(text: str) -> dict[tuple, float]:
    """{(name, ((label, value), ...)): value} of a Prometheus text exposition."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        labels = ()
        if "{" in series:
            name, inner = series[:-1].split("{", 1)
            labels = tuple(sorted((k, v.strip('"')) for k, v in (pair.split("=", 1) for pair in inner.split(",") if pair)))
        else:
            name = series
        samples[(name, labels)] = float(value)
    return samples


class Client(threading.Thread):
    """Sends requests on one keep-alive connection until the server says `connection: close`,
    then reconnects; stops when a connect is refused. Anything else is a failure: a request
    sent on an accepted connection that got no complete answer."""

    def __init__(self, server, stop_after: float, make_request):
        super().__init__(daemon=True)
        self.server, self.stop_after, self.make_request = server, stop_after, make_request
        self.answered, self.closes, self.failures, self.refused = [], 0, [], False

    def run(self):
        deadline = time.monotonic() + self.stop_after
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=15)
            try:
                connection.connect()
            except ConnectionRefusedError:
                self.refused = True
                return
            try:
                while True:
                    method, path, body, tag = self.make_request(len(self.answered))
                    try:
                        connection.request(method, path, body, HEADERS)
                        response = connection.getresponse()
                        response.read()
                    except (OSError, http.client.HTTPException) as error:
                        self.failures.append(f"{tag}: {type(error).__name__}: {error}")
                        return
                    if response.status // 100 != 2:
                        self.failures.append(f"{tag}: status {response.status}")
                        return
                    self.answered.append(tag)
                    if (response.getheader("connection") or "").lower() == "close":
                        self.closes += 1
                        break
            finally:
                connection.close()
        self.failures.append("never refused: the server kept accepting")


def test_sigterm_under_load_answers_every_accepted_request_and_exits_0(tmp_path):
    data_dir = tmp_path / "data"
    with running_pdp(["--data-dir", str(data_dir), "--no-watch", "--shutdown-timeout", "20"]) as server:
        checks = [Client(server, 60, lambda n: ("POST", "/allowed", CHECK, n)) for _ in range(12)]
        writers = [Client(server, 60, lambda n, w=w: ("PUT", f"/facts/users/w{w}-{n}", json.dumps({"key": f"w{w}-{n}"}), f"w{w}-{n}"))
                   for w in range(4)]
        clients = checks + writers
        for client in clients:
            client.start()
        # Under load: every client has been answered a few times.
        deadline = time.monotonic() + 30
        while min(len(c.answered) for c in clients) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert min(len(c.answered) for c in clients) >= 5, [len(c.answered) for c in clients]
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(40) == 0, server.stderr()
        for client in clients:
            client.join(30)
        failures = [f for c in clients for f in c.failures]
        assert failures == [], failures
        assert all(c.refused for c in clients)
        assert sum(c.closes for c in clients) >= 1, "connections open at SIGTERM were answered with connection: close"
        acknowledged = [tag for w in writers for tag in w.answered]
    # Every acknowledged write is in the journal the server flushed and closed.
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        missing = [key for key in acknowledged if call(server, "GET", f"/facts/users/{key}")[0] != 200]
        assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged writes lost"


def test_ready_goes_503_while_the_data_directory_is_full_and_back_to_200(small_disk):  # noqa: F811
    # A full disk, not a read-only remount: a tmpfs with the journal open for writing cannot
    # be remounted read-only ("mount point is busy"), and ENOSPC takes the same path.
    data_dir = small_disk / "data"
    filler = small_disk / "filler"
    big = {"key": "big", "attributes": {"bio": "x" * 20000}}  # needs new blocks
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert call(server, "PUT", "/facts/users/before", {"key": "before"})[0] in (200, 201)
        assert call(server, "GET", "/ready", headers={})[0] == 200
        fill(filler)
        status, body, _ = call(server, "PUT", "/facts/users/big", big)
        assert status == 503, body
        status, body, _ = call(server, "GET", "/ready", headers={})
        assert status == 503 and json.loads(body) == {"status": "unavailable", "reason": "facts_storage_unwritable"}, body
        status, body, _ = call(server, "GET", "/ready")
        assert "No space left on device" in json.loads(body)["facts"]["write_problem"], body
        assert call(server, "GET", "/healthy", headers={})[0] == 200, "liveness is not readiness"
        assert call(server, "POST", "/allowed", CHECK)[0] == 200, "decisions go on"
        assert parse_metrics(call(server, "GET", "/metrics")[1])[("pdp_facts_storage_writable", ())] == 0
        filler.unlink()
        assert call(server, "PUT", "/facts/users/after", {"key": "after"})[0] in (200, 201)
        assert call(server, "GET", "/ready", headers={})[0] == 200

        # Again, and this time nobody writes once the space is back: the writer's own retry
        # (every 5 s) brings /ready back.
        fill(filler)
        assert call(server, "PUT", "/facts/users/big", big)[0] == 503
        assert call(server, "GET", "/ready", headers={})[0] == 503
        filler.unlink()
        deadline = time.monotonic() + 20
        while call(server, "GET", "/ready", headers={})[0] != 200:
            assert time.monotonic() < deadline, "/ready stayed 503 after the disk had room again"
            time.sleep(0.2)
        assert call(server, "GET", "/facts/users/after")[0] == 200


def test_metrics_count_the_requests_made():
    with running_pdp(["--in-memory", "--no-watch"]) as server:
        assert call(server, "GET", "/metrics", headers={})[0] == 401
        for user, allow in [("alice", True), ("bob", True), ("nobody", False)]:
            status, body, _ = call(server, "POST", "/allowed", {"user": {"key": user}, "action": "read", "resource": {"type": "task"}})
            assert status == 200 and json.loads(body)["allow"] is allow, (user, body)
        bulk = [{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task"}}] * 4
        assert call(server, "POST", "/allowed/bulk", bulk)[0] == 200
        assert call(server, "PUT", "/facts/users/metered", {"key": "metered"})[0] in (200, 201)
        status, text, headers = call(server, "GET", "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4"), headers
        metrics = parse_metrics(text)
        assert metrics[("pdp_http_requests_total", (("code", "200"), ("route", "/allowed")))] == 3
        assert metrics[("pdp_http_requests_total", (("code", "200"), ("route", "/allowed/bulk")))] == 1
        assert metrics[("pdp_http_requests_total", (("code", "401"), ("route", "/metrics")))] == 1
        assert metrics[("pdp_decisions_total", (("result", "allowed"),))] == 6
        assert metrics[("pdp_decisions_total", (("result", "denied"),))] == 1
        assert metrics[("pdp_http_request_duration_seconds_count", (("route", "/allowed"),))] == 3
        assert metrics[("pdp_facts", (("kind", "users"),))] == 1
        assert metrics[("pdp_open_connections", ())] >= 1
        digests = [labels for (name, labels) in metrics if name == "pdp_policy_info"]
        assert len(digests) == 1 and len(dict(digests[0])["digest"]) == 32, digests
        assert ("pdp_policy_reloads_total", (("result", "failure"),)) in metrics
        assert ("pdp_log_records_dropped_total", (("log", "decision"),)) in metrics


def test_metrics_unauthenticated_serves_metrics_only_without_the_key():
    with running_pdp(["--in-memory", "--no-watch", "--metrics-unauthenticated"]) as server:
        assert call(server, "GET", "/metrics", headers={})[0] == 200
        assert call(server, "POST", "/allowed", CHECK, headers={"Content-Type": "application/json"})[0] == 401


def test_journal_metrics_follow_writes(tmp_path):
    with running_pdp(["--data-dir", str(tmp_path / "data"), "--no-watch"]) as server:
        before = parse_metrics(call(server, "GET", "/metrics")[1])
        assert call(server, "PUT", "/facts/users/journaled", {"key": "journaled"})[0] in (200, 201)
        after = parse_metrics(call(server, "GET", "/metrics")[1])
        assert after[("pdp_facts_journal_bytes", ())] > before[("pdp_facts_journal_bytes", ())]
        assert after[("pdp_facts_last_fsync_seconds", ())] >= 0
        assert after[("pdp_facts_fsync_duration_seconds_count", ())] == before[("pdp_facts_fsync_duration_seconds_count", ())] + 1


def test_sigterm_with_idle_keep_alive_connections_exits_promptly():
    with running_pdp(["--in-memory", "--no-watch", "--shutdown-timeout", "30"]) as server:
        idle = []
        for _ in range(5):
            sock = socket.create_connection((server.host, server.port))
            sock.sendall(f"POST /allowed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\n"
                         f"Content-Type: application/json\r\nContent-Length: {len(CHECK)}\r\n\r\n{CHECK}".encode())
            assert b"200 OK" in sock.recv(4096)
            idle.append(sock)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0
        assert time.monotonic() - started < 10, "idle connections do not hold shutdown to its timeout"
        for sock in idle:
            assert sock.recv(4096) == b"", "the idle connection was closed"
            sock.close()
