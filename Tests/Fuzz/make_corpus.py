#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets into Tests/Fuzz/Corpus/TARGET/.

Seeds come from the project's own material: the Python SDK's bodies (Tests/PDPWireTests/
SDKBodies.swift), the requests of the compat suite (Tests/compat/test_http.py and the facts
API calls of test_facts_3_0_0.py, as raw HTTP with the fuzz target's API key), the policies
and the policy test fixtures, and facts files written by a real `pdp serve` (journal and
snapshot, format 2). Deterministic: running it again rewrites the same files.

    Tests/Fuzz/make_corpus.py [--pdp .build/debug/pdp]
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = HERE / "Corpus"
KEY = "fuzz-key"


def put(target: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def sdk_bodies() -> dict[str, str]:
    text = (ROOT / "Tests/PDPWireTests/SDKBodies.swift").read_text()
    bodies = {}
    for name, single, multi in re.findall(r'static let (\w+) = (?:#"(.*?)"#|#"""\n(.*?)\n\s*"""#)', text, re.S):
        bodies[name] = single or re.sub(r"\n\s+", "\n", multi)
    return bodies


CHECKS = [
    {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "tenant": "default"}},
    {"user": "bob", "action": "assign", "resource": "task:42"},
    {"user": {"key": "carol"}, "action": "read", "resource": {"type": "task", "id": "7", "context": {"tenant": "acme"}}},
    {"user": {"key": "a\\u00e9\\ud83d\\ude00"}, "action": "read", "resource": {"type": "task"}, "context": None},
]

SHAPED = [
    {"user": {"key": "erin"}, "action": "updateany", "resource": {"type": "task", "key": None, "tenant": "default", "context": {"tenant": "default"}}, "context": {}},
    {"user": {"key": "alice"}, "action": "delete", "resource": {"type": "task", "key": "6950", "tenant": "acme", "context": {"tenant": "acme"}}, "context": {}},
]

REST_BODIES = [
    {"key": "u1", "email": "u1@example.com", "first_name": "U", "last_name": "One", "attributes": {"a": 1, "b": [True, None, 1.5]}},
    {"key": "u2", "role_assignments": [{"role": "viewer", "tenant": "acme"}]},
    {"role": "viewer", "tenant": "acme", "user": "u1"},
    [{"role": "viewer", "tenant": "acme", "user": "u1"}, {"role": "editor", "tenant": "default", "user": "u2", "resource_instance": "task:1"}],
    {"key": "acme", "name": "Acme", "description": None, "attributes": {}},
    {"users": [{"key": "u3"}, {"key": "u4", "email": None}]},
    {"tenants": [{"key": "t1", "name": "T1"}]},
    {"idents": ["u3", "u4"]},
    ["u3", "u4"],
]


def http_request(method: str, path: str, body: bytes | None, *, auth: bool = True, extra: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:7766\r\n"
    if auth:
        head += f"Authorization: Bearer {KEY}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode() + (body or b"")


def chunked(method: str, path: str, body: bytes) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nTransfer-Encoding: chunked\r\n\r\n"
    middle = len(body) // 2
    parts = [body[:middle], body[middle:]]
    return head.encode() + b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts if p) + b"0\r\nX-Trailer: 1\r\n\r\n"


def http_seeds(bodies: dict[str, str]) -> list[bytes]:
    seeds = []
    for name, body in bodies.items():
        path = ("/allowed/bulk" if name in ("bulk", "filterObjects") else "/user-permissions" if name.startswith("userPermissions")
                else "/authorized_users" if name.startswith("authorizedUsers") else "/allowed")
        seeds.append(http_request("POST", path, body.encode()))
    check = json.dumps(CHECKS[0]).encode()
    seeds += [
        http_request("POST", "/allowed/all-tenants", check),
        http_request("POST", "/user-tenants", b'{"user": {"key": "bob"}, "context": {}}'),
        http_request("POST", "/allowed", check, auth=False),
        http_request("POST", "/allowed", check, extra="Expect: 100-continue\r\n"),
        http_request("POST", "/allowed", check, extra="Connection: close\r\n"),
        http_request("POST", "/allowed", check) * 3,  # pipelined
        chunked("POST", "/allowed", check),
        http_request("GET", "/health", None, auth=False),
        http_request("GET", "/ready", None),
        http_request("HEAD", "/facts/users", None),
        http_request("GET", "/local/role_assignments?user=bob&page=1&per_page=10", None),
        http_request("GET", "/facts/users?page=2&per_page=1", None),
        http_request("GET", "/facts/role_assignments?user=u1&tenant=acme", None),
        http_request("GET", "/facts/tenants/acme/users", None),
        http_request("GET", "/facts/users/%E2%82%AC", None),
        http_request("GET", "/schema/roles", None),
        http_request("DELETE", "/facts/users/u1", None),
        http_request("DELETE", "/facts/tenants/t1/users/u2", None),
        b"GET / HTTP/1.0\r\n\r\n",
        b"POST /allowed HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n{}{}{",
    ]
    rest_routes = [("POST", "/facts/users"), ("PUT", "/facts/users/u2"), ("POST", "/facts/role_assignments"),
                   ("POST", "/facts/role_assignments/bulk"), ("POST", "/facts/tenants"), ("PUT", "/facts/bulk/users"),
                   ("POST", "/facts/bulk/tenants"), ("DELETE", "/facts/bulk/users"), ("PATCH", "/facts/users/u1"),
                   ("POST", "/facts/users/u1/roles"), ("DELETE", "/facts/role_assignments")]
    for (method, path), body in zip(rest_routes, REST_BODIES + REST_BODIES):
        seeds.append(http_request(method, path, json.dumps(body).encode()))
    # Each seed is preceded by the byte that picks how it is cut into reads (0: whole).
    return [bytes([cut]) + seed for seed in seeds for cut in (0, 7)]


def facts_files(pdp: Path) -> list[bytes]:
    """A real journal and snapshot: a server writes facts, compacts once, and is killed."""
    if not pdp.exists():
        print(f"no {pdp}: no journal seeds (build first)")
        return []
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        process = subprocess.Popen([str(pdp), "serve", "--port", str(port), "--api-key", KEY, "--data-dir", str(data),
                                    "--policy", str(ROOT / "policies/tasks.yaml"), "--no-watch", "--compact-after-bytes", "2000",
                                    "--log-level", "error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/ready")
                    if connection.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("pdp serve did not become ready")
                time.sleep(0.05)
            headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
            writes = [("PUT", f"/facts/users/user-{i}", {"key": f"user-{i}", "email": f"u{i}@example.com",
                       "attributes": {"n": i}, "role_assignments": [{"role": "viewer", "tenant": "default"}]}) for i in range(40)]
            writes += [("POST", "/facts/tenants", {"key": "acme", "name": "Acme"}),
                       ("POST", "/facts/role_assignments", {"user": "user-1", "role": "editor", "tenant": "acme"}),
                       ("DELETE", "/facts/users/user-2", None)]
            for method, path, body in writes:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request(method, path, json.dumps(body) if body is not None else None, headers)
                connection.getresponse().read()
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        found = []
        for path in sorted(data.iterdir()):
            if path.is_file() and path.stat().st_size > 0:
                found.append((path.name, path.read_bytes()))
        return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdp", default=str(ROOT / ".build/debug/pdp"))
    args = parser.parse_args()
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    bodies = sdk_bodies()
    for name, body in bodies.items():
        target = "FuzzBulkBody" if name in ("bulk", "filterObjects") else (
            "FuzzQueryBodies" if name.startswith(("userPermissions", "authorizedUsers")) else "FuzzCheckBody")
        put(target, body.encode())
    for check in CHECKS:
        put("FuzzCheckBody", json.dumps(check).encode())
    put("FuzzBulkBody", json.dumps(CHECKS).encode())
    # The SDKs' own shape, compact as `pdp load` writes it: what the SDK-shape reader takes.
    for body in SHAPED:
        put("FuzzCheckBody", json.dumps(body, separators=(",", ":")).encode())
    put("FuzzBulkBody", json.dumps(SHAPED, separators=(",", ":")).encode())
    put("FuzzBulkBody", json.dumps(SHAPED).encode())
    put("FuzzBulkBody", b"[]")
    put("FuzzQueryBodies", b'{"user": {"key": "bob"}, "context": {}}')
    put("FuzzQueryBodies", b'{"action": "read", "resource": {"type": "task"}, "context": {}}')
    for body in REST_BODIES:
        put("FuzzRESTBodies", json.dumps(body).encode())
    for seed in http_seeds(bodies):
        put("FuzzHTTP", seed)
    for policy in sorted([*ROOT.glob("policies/*.yaml"), *ROOT.glob("Tests/compat/policy/*.yaml"),
                          *ROOT.glob("Tests/PDPPolicyYAMLTests/Fixtures/**/*.y*ml")]):
        put("FuzzPolicyYAML", policy.read_bytes())
    for name, data in facts_files(Path(args.pdp)):
        if "journal" in name:
            put("FuzzJournal", b"\x00" + data)
            put("FuzzJournal", b"\x01" + data)
        if "snapshot" in name:
            put("FuzzJournal", b"\x02" + data)
            # The state payload alone, for the framed modes (after the 36-byte header).
            put("FuzzJournal", b"\x03" + data[36:])
    for target in sorted(p.name for p in CORPUS.iterdir()):
        print(f"{target}: {len(list((CORPUS / target).iterdir()))} seeds")


if __name__ == "__main__":
    main()
