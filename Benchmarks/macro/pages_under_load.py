#!/usr/bin/env python3
"""/allowed latency on its own connections while another client reads list pages.

Starts `pdp serve` (in memory) on a free loopback port, seeds it with USERS users holding one
role each (PUT bulk/users, 1,000 per request), then runs `pdp load` open loop at RATE
requests/s against /allowed twice: once alone, once while a reader walks pages of
`/facts/users`, `/facts/tenants/default/users`, `/facts/role_assignments` (with and without
a `role` filter) and `/local/role_assignments` on one keep-alive connection, at --page-rate
pages/s (0: as fast as the server answers, which on two cores measures CPU sharing more than
event-loop stalls). Prints pdp load's latency lines for both runs and the page latencies, and the server's resident memory once seeded.
Issue #11 item 8: a page must not stall the event loops, so p99 must not move.

    Benchmarks/macro/pages_under_load.py [--pdp .build/release/pdp] [--users 1000000]
        [--rate 5000] [--seconds 10] [--connections 8] [--page-rate 20]

Bounded: every loop stops after --seconds; the server is killed at the end.
"""

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY = "pages-bench-key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(connection, method, path, body=None):
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, data


def seed(port, users):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.monotonic()
    for first in range(0, users, 1000):
        operations = [
            {"key": f"user-{i:07d}", "role_assignments": [{"role": "admin" if i % 10 == 0 else "viewer", "tenant": "default"}]}
            for i in range(first, min(first + 1000, users))
        ]
        status, data = request(connection, "PUT", "/facts/bulk/users", {"operations": operations})
        if status != 200:
            sys.exit(f"seeding failed: {status} {data[:200]!r}")
    print(f"seeded {users} users with one role each in {time.monotonic() - start:.1f} s", flush=True)


def read_pages(port, users, stop, latencies, rate):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    pages = max(1, users // 100)
    paths = [
        lambda: f"/facts/users?page={random.randint(1, pages)}&per_page=100",
        lambda: f"/facts/tenants/default/users?page={random.randint(1, pages)}&per_page=100",
        lambda: f"/facts/role_assignments?page={random.randint(1, pages)}&per_page=100",
        lambda: f"/facts/role_assignments?role=viewer&page={random.randint(1, pages * 9 // 10)}&per_page=100",
        lambda: f"/local/role_assignments?page={random.randint(1, pages)}&per_page=100",
    ]
    next_at = time.monotonic()
    while not stop.is_set():
        if rate > 0:
            next_at += 1 / rate
            if stop.wait(max(0, next_at - time.monotonic())):
                break
        path = random.choice(paths)()
        began = time.perf_counter()
        status, _ = request(connection, "GET", path)
        latencies.append(time.perf_counter() - began)
        if status != 200:
            sys.exit(f"{path}: {status}")


def load(pdp, port, rate, seconds, connections):
    out = subprocess.run(
        [pdp, "load", "--url", f"http://127.0.0.1:{port}", "--policy", os.path.join(ROOT, "policies", "tasks.yaml"),
         "--api-key", KEY, "--rate", str(rate), "--connections", str(connections), "--duration", str(seconds), "--warmup", "2",
         "--threads", "1"],
        capture_output=True, text=True, timeout=seconds + 120)
    lines = [line for line in out.stdout.splitlines() if "latency" in line or "requests" in line]
    return "\n    ".join(lines) if lines else out.stdout + out.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdp", default=os.path.join(ROOT, ".build", "release", "pdp"))
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--page-rate", type=float, default=20)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [args.pdp, "serve", "--policy", os.path.join(ROOT, "policies", "tasks.yaml"), "--port", str(port),
         "--api-key", KEY, "--in-memory", "--no-watch", "--log-level", "error"])
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        seed(port, args.users)
        try:
            with open(f"/proc/{server.pid}/status") as status:
                rss = next(line.split()[1] for line in status if line.startswith("VmRSS:"))
            print(f"server resident memory after seeding: {int(rss) // 1024} MiB", flush=True)
        except (OSError, StopIteration):
            pass
        print(f"/allowed alone, {args.rate}/s over {args.connections} connections:\n    "
              + load(args.pdp, port, args.rate, args.seconds, args.connections), flush=True)
        stop, latencies = threading.Event(), []
        reader = threading.Thread(target=read_pages, args=(port, args.users, stop, latencies, args.page_rate))
        reader.start()
        try:
            result = load(args.pdp, port, args.rate, args.seconds, args.connections)
        finally:
            stop.set()
            reader.join()
        print(f"/allowed while one client reads pages ({args.page_rate:g}/s; 0 = flat out):\n    {result}")
        latencies.sort()
        if latencies:
            pct = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000
            print(f"pages read: {len(latencies)}; page latency p50 {pct(50):.2f} ms, p99 {pct(99):.2f} ms, "
                  f"max {latencies[-1] * 1000:.2f} ms")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
