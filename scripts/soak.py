#!/usr/bin/env python3
"""Soak: millions of `/allowed` and `/allowed/bulk` requests against one `pdp serve`, mixed
with facts writes and policy reloads; every answer verified against the facts the soak wrote;
the server's resident memory sampled (issue #15, item 4).

    scripts/soak.py [--requests 10000000] [--rounds 10] [--users 2000] [--pdp .build/release/pdp]
                    [--growth-limit-mb 64]

How: the soak writes --users users with random roles in three tenants through the facts API
(`PUT /facts/bulk/users`, tenants with `POST /facts/tenants`), then mirrors exactly those
facts into a policy file of static users (mirror.yaml) that `pdp load --verify` compiles in
process: every answer of the server must equal the decision computed from what was written.
Each round sends --requests/--rounds checks with `pdp load` (odd rounds `/allowed`, even
rounds `/allowed/bulk` with 10 checks per request, 5% of checks for unknown users), while
  - a churn writer creates and deletes other users (`churn-*`, never checked, a bounded set)
    through the facts API without pause, so writes and compactions (--compact-after-bytes)
    run under the load;
  - a reloader rewrites the policy file (a comment changes, the decisions do not) and sends
    SIGHUP every --reload-seconds.
Between rounds the soak changes the roles of a tenth of its users through the API
(`DELETE` and `POST /facts/role_assignments/bulk`) and
rewrites the mirror, so later rounds verify facts written during the soak.
Memory: VmRSS of the server every 0.5 s. The first round is the warm-up; after it the
resident size may not grow by more than --growth-limit-mb (default 64 MiB).
Exit 1 on any error, timeout, non-200, mismatch, failed reload or growth past the bound.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "soak-key"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
TENANTS = ["default", "acme", "globex"]
ROLES = ["viewer", "admin"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)
    finally:
        connection.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def mirror_yaml(users: dict[str, dict[str, list[str]]]) -> str:
    lines = ["version: 1", "tenants:"]
    lines += [f"  {t}:\n    name: {t}" for t in TENANTS if t != "default"]
    lines.append("users:")
    for key in sorted(users):
        roles = {t: r for t, r in users[key].items() if r}
        lines.append(f"  {key}:")
        if roles:
            lines.append("    roles:")
            lines += [f"      {t}: [{', '.join(r)}]" for t, r in sorted(roles.items())]
        else:
            lines.append("    roles: []")
    return "\n".join(lines) + "\n"


def random_roles(rng: random.Random) -> dict[str, list[str]]:
    return {t: sorted(rng.sample(ROLES, rng.choice([0, 0, 1, 1, 2]))) for t in TENANTS}


def write_users(port: int, users: dict[str, dict[str, list[str]]], keys: list[str]) -> None:
    for first in range(0, len(keys), 1000):
        operations = [{"key": k, "role_assignments": [{"role": r, "tenant": t} for t, roles in users[k].items() for r in roles]}
                      for k in keys[first:first + 1000]]
        status, body = request(port, "PUT", "/facts/bulk/users", {"operations": operations})
        if status != 200:
            sys.exit(f"soak: writing users failed: {status} {body}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdp", default=str(ROOT / ".build" / "release" / "pdp"))
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reload-seconds", type=float, default=2.0)
    parser.add_argument("--compact-after-bytes", type=int, default=1_000_000)
    parser.add_argument("--growth-limit-mb", type=float, default=64)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    work = Path(tempfile.mkdtemp(prefix="pdp-soak-"))
    policy_dir = work / "policy"
    policy_dir.mkdir()
    tasks = (ROOT / "policies" / "tasks.yaml").read_text()
    (policy_dir / "tasks.yaml").write_text(tasks)
    port = free_port()
    log = (work / "pdp.log").open("wb")
    server = subprocess.Popen([args.pdp, "serve", "--port", str(port), "--api-key", KEY, "--data-dir", str(work / "data"),
                               "--policy", str(policy_dir), "--no-watch", "--log-level", "warning",
                               "--compact-after-bytes", str(args.compact_after_bytes)],
                              stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if request(port, "GET", "/ready")[0] == 200:
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"soak: pdp serve did not start (log {work / 'pdp.log'})")
        time.sleep(0.05)

    for tenant in TENANTS[1:]:
        status, body = request(port, "POST", "/facts/tenants", {"key": tenant, "name": tenant})
        assert status in (200, 201), (status, body)
    users = {f"soak-{i}": random_roles(rng) for i in range(args.users)}
    write_users(port, users, sorted(users))

    stop = threading.Event()
    samples: list[tuple[float, float]] = []
    problems: list[str] = []
    counts = {"churn_writes": 0, "reloads": 0}

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), rss_mb(server.pid)))
            stop.wait(0.5)

    def churn() -> None:
        index = 0
        while not stop.is_set():
            key = f"churn-{index % 500}"
            body = {"key": key, "role_assignments": [{"role": "admin", "tenant": "acme"}]}
            try:
                status, _ = request(port, "PUT", f"/facts/users/{key}", body)
                status2, _ = request(port, "DELETE", f"/facts/users/{key}")
            except OSError as error:
                problems.append(f"churn write failed: {error}")
                return
            if status not in (200, 201) or status2 not in (200, 204):
                problems.append(f"churn write answered {status}/{status2}")
                return
            counts["churn_writes"] += 2
            index += 1

    def reload() -> None:
        edit = 0
        while not stop.wait(args.reload_seconds):
            edit += 1
            temporary = policy_dir / ".tasks.yaml.tmp"
            temporary.write_text(tasks + f"\n# soak edit {edit}\n")
            temporary.replace(policy_dir / "tasks.yaml")
            server.send_signal(signal.SIGHUP)
            counts["reloads"] += 1

    threads = [threading.Thread(target=f, daemon=True) for f in (sample, churn, reload)]
    for thread in threads:
        thread.start()

    per_round = args.requests // args.rounds
    totals = {"requests": 0, "decisions": 0, "errors": 0, "mismatches": 0}
    warm_rss = None
    started = time.monotonic()
    for round_number in range(args.rounds):
        mirror = work / "mirror.yaml"
        mirror.write_text(mirror_yaml(users))
        command = [args.pdp, "load", "--url", f"http://127.0.0.1:{port}", "--api-key", KEY,
                   "--policy", str(ROOT / "policies" / "tasks.yaml"), "--policy", str(mirror), "--verify",
                   "--requests", str(per_round), "--connections", str(args.connections), "--threads", "1",
                   "--seed", str(args.seed * 1000 + round_number), "--checks", "20000", "--json",
                   # Only the mirror: the served facts include churn users that come and go
                   # while the round runs, so checks of them cannot be verified.
                   "--no-served-facts"]
        if round_number % 2 == 1:
            command += ["--batch", "10"]
        result = subprocess.run(command, capture_output=True, text=True)
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            sys.exit(f"soak: pdp load failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
        errors = sum(int(report.get(k, 0)) for k in ("connectionErrors", "timeouts", "non200"))
        totals["requests"] += int(report["requests"])
        totals["decisions"] += int(report["decisions"])
        totals["errors"] += errors
        totals["mismatches"] += int(report["mismatches"])
        rss = rss_mb(server.pid)
        if round_number == 0:
            warm_rss = rss
        print(f"round {round_number + 1}/{args.rounds}: {report['requests']:,} requests ({report['endpoint']}), "
              f"{report['decisions']:,} decisions at {report['requestsPerSecond']:,.0f} req/s, {errors} errors, "
              f"{report['mismatches']} mismatches; rss {rss:.0f} MB; {counts['churn_writes']:,} churn writes, "
              f"{counts['reloads']} reloads so far", flush=True)
        if report["mismatches"]:
            print(f"  mismatch samples: {report.get('mismatchSamples', [])[:3]}")
        if server.poll() is not None:
            problems.append(f"pdp serve exited with {server.returncode}")
            break
        # Facts written during the soak: a tenth of the users get new roles, through the API.
        # (Assignments are added by `role_assignments` on a user write, never replaced, so
        # the old ones are removed in bulk and the new ones assigned in bulk.)
        changed = rng.sample(sorted(users), max(1, len(users) // 10))
        old = [{"user": k, "role": r, "tenant": t} for k in changed for t, roles in users[k].items() for r in roles]
        for key in changed:
            users[key] = random_roles(rng)
        new = [{"user": k, "role": r, "tenant": t} for k in changed for t, roles in users[k].items() for r in roles]
        for method, body in (("DELETE", old), ("POST", new)):
            if body:
                status, answer = request(port, method, "/facts/role_assignments/bulk", body)
                if status != 200:
                    sys.exit(f"soak: {method} role_assignments/bulk answered {status} {answer}")

    stop.set()
    for thread in threads:
        thread.join(10)
    status, ready = request(port, "GET", "/ready")
    policy_state = ready.get("policy", {}) if isinstance(ready, dict) else {}
    if policy_state.get("reload_failures", 0):
        problems.append(f"{policy_state['reload_failures']} policy reloads failed")
    end_rss = rss_mb(server.pid)
    peak = max(r for _, r in samples) if samples else end_rss
    start_rss = samples[0][1] if samples else 0
    server.send_signal(signal.SIGTERM)
    server.wait(60)
    elapsed = time.monotonic() - started
    growth = end_rss - (warm_rss or end_rss)
    print(f"soak: {totals['requests']:,} requests ({totals['decisions']:,} decisions) in {elapsed:.0f} s, "
          f"{totals['errors']} errors, {totals['mismatches']} mismatches, {counts['churn_writes']:,} facts writes, "
          f"{policy_state.get('reloads', counts['reloads'])} policy reloads; rss start {start_rss:.0f} MB, after warm-up "
          f"{warm_rss or 0:.0f} MB, end {end_rss:.0f} MB, peak {peak:.0f} MB (growth after warm-up {growth:+.0f} MB, "
          f"bound {args.growth_limit_mb:.0f} MB)")
    if growth > args.growth_limit_mb:
        problems.append(f"resident memory grew {growth:.0f} MB after warm-up (bound {args.growth_limit_mb:.0f} MB)")
    if totals["errors"] or totals["mismatches"]:
        problems.append(f"{totals['errors']} errors and {totals['mismatches']} mismatches")
    for problem in problems:
        print(f"soak: FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
