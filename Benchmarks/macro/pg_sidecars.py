#!/usr/bin/env python3
"""Figures for sidecars sharing facts through PostgreSQL (issue 16). Starts a throwaway
cluster (scripts/postgres-cluster.sh), sidecars of .build/release/pdp (or $PDP_BIN) on it,
and measures one thing:

    pg_sidecars.py propagation [--rate 500] [--seconds 10]
        A-ack to B-visible delay: writes go to sidecar A at --rate (open loop, 4 connections);
        after each acknowledgement the writer reads A's facts position p; a poller on B reads
        B's position continuously; the delay is the first time B is at p or beyond, minus
        the acknowledgement time (an upper bound: p may include later writes).
    pg_sidecars.py allowed [--rate 500] [--seconds 10]
        /allowed throughput on sidecar B (pdp load, closed loop, 8 connections) with no writes,
        then while A takes --rate writes/s that B follows; prints the ratio.
    pg_sidecars.py startup [--users 1000000]
        Fills the tables with --users users (one role each) by SQL, then times a sidecar with
        an empty data directory from exec to the first 200 on /ready (it loads the snapshot).

    pg_sidecars.py writes [--seconds 10]
        Write acknowledgement latency and throughput (Benchmarks/macro/stream_writes.py, 4
        connections, closed loop): a sidecar on PostgreSQL, then a local-journal server.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KEY = "bench-key"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
POLICY = REPO / "policies" / "tasks.yaml"
BIN = os.environ.get("PDP_BIN", str(REPO / ".build" / "release" / "pdp"))


def cluster(directory):
    out = subprocess.run(["bash", str(REPO / "scripts" / "postgres-cluster.sh"), "start", directory],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def database(url, name):
    subprocess.run(["psql", url.split("?")[0], "-qXc", f"CREATE DATABASE {name}"], check=True)
    return url.replace("/pdp_test?", f"/{name}?")


class Sidecar:
    def __init__(self, url, extra=()):
        self.data = tempfile.mkdtemp(prefix="pdp-bench-")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [BIN, "serve", "--policy", str(POLICY), "--port", "0", "--api-key", KEY, "--data-dir", self.data,
             "--facts-store", url, "--log-level", "warning", *extra],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        assert line.startswith("pdp listening on http://"), line
        self.host, port = line.rsplit("/", 1)[1].rsplit(":", 1)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}"

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


def call(connection, method, path, body=None):
    connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


def position(connection):
    return call(connection, "GET", "/ready")[1]["facts"]["position"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def stream(a, rate, seconds, on_ack=None, connections=4):
    """Open-loop writes to a at `rate`/s over `connections`; returns the ack latencies."""
    latencies, lock = [], threading.Lock()
    start = time.monotonic() + 0.2
    interval = connections / rate

    def run(worker):
        connection = a.connection()
        side = a.connection()
        index = 0
        while True:
            due = start + index * interval + worker * interval / connections
            if due > start + seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            key = f"w{worker}-{index}"
            sent = time.monotonic()
            status, _ = call(connection, "PUT", f"/facts/users/{key}",
                             {"key": key, "role_assignments": [{"role": "viewer", "tenant": "default"}]})
            acked = time.monotonic()
            assert status in (200, 201), status
            with lock:
                latencies.append(acked - sent)
            if on_ack:
                on_ack(acked, position(side))
            index += 1

    threads = [threading.Thread(target=run, args=(w,)) for w in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def poll_positions(host, port, stop, out):
    """In a process of its own (no GIL shared with the writers): B's position, about every
    0.2 ms, as (monotonic time, position) pairs; CLOCK_MONOTONIC is one clock for all
    processes."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    polls = []
    while not stop.is_set():
        polls.append((time.monotonic(), position(connection)))
        time.sleep(0.0002)
    out.put(polls)


def propagation(args, url):
    import multiprocessing
    a, b = Sidecar(url), Sidecar(url)
    acks, lock = [], threading.Lock()
    stop, out = multiprocessing.Event(), multiprocessing.Queue()
    poller = multiprocessing.Process(target=poll_positions, args=(b.host, b.port, stop, out))
    poller.start()

    def on_ack(t, p):
        with lock:
            acks.append((t, p))

    latencies = stream(a, args.rate, args.seconds, on_ack)
    last = max(p for _, p in acks)
    connection = b.connection()
    deadline = time.monotonic() + 10
    while position(connection) < last and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    stop.set()
    polls = out.get(timeout=60)
    poller.join()
    delays = []
    index = 0
    for t, p in sorted(acks):
        while index < len(polls) and polls[index][0] < t:
            index += 1
        j = index
        while j < len(polls) and polls[j][1] < p:
            j += 1
        if j < len(polls):
            delays.append(polls[j][0] - t)
    a.stop()
    b.stop()
    print(f"{len(acks)} writes at {args.rate:.0f}/s for {args.seconds:.0f}s; ack p50 {pct(latencies, 50) * 1000:.2f} ms "
          f"p99 {pct(latencies, 99) * 1000:.2f} ms; B polled {len(polls)} times")
    print(f"A-ack to B-visible: p50 {pct(delays, 50) * 1000:.2f} ms, p99 {pct(delays, 99) * 1000:.2f} ms, "
          f"max {max(delays) * 1000:.2f} ms ({len(delays)} of {len(acks)} matched)")


def load(b, seconds):
    """requests/s of `pdp load` against b (closed loop, 8 connections)."""
    run = subprocess.run([BIN, "load", "--url", b.url, "--policy", str(POLICY), "--connections", "8",
                          "--duration", str(seconds), "--api-key", KEY, "--json",
                          "--no-served-facts"], capture_output=True, text=True)
    report = json.loads(run.stdout)
    print(f"    {report['requestsPerSecond']:.0f} requests/s, {report['requests']} answered")
    return report["requestsPerSecond"]


def allowed(args, url):
    """B's /allowed throughput: with no writes anywhere; while A takes writes on B's database
    (B follows them); while A2 takes the same writes on another database (same machine load,
    nothing for B to follow: isolates the cost of following from the 2 cores being shared)."""
    a, b = Sidecar(url), Sidecar(url)
    other = Sidecar(database(args.cluster_url, f"control_{os.getpid()}"))
    ratios, controls = [], []
    for round in range(args.rounds):
        print(f"round {round + 1}: no writes:")
        quiet = load(b, args.seconds)
        print(f"round {round + 1}: while A takes {args.rate:.0f} writes/s that B follows:")
        writer = threading.Thread(target=stream, args=(a, args.rate, args.seconds + 1))
        writer.start()
        busy = load(b, args.seconds)
        writer.join()
        print(f"round {round + 1}: while a sidecar on another database takes them:")
        writer = threading.Thread(target=stream, args=(other, args.rate, args.seconds + 1))
        writer.start()
        control = load(b, args.seconds)
        writer.join()
        ratios.append(busy / quiet)
        controls.append(busy / control)
        print(f"    following / no writes {busy / quiet:.3f}; following / same writes elsewhere {busy / control:.3f}")
    for sidecar in (a, b, other):
        sidecar.stop()
    print(f"/allowed while following / no writes: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"/allowed while following / the same writes to another database: {', '.join(f'{r:.3f}' for r in controls)}")


def startup(args, url):
    plain = url.split("?")[0]
    a = Sidecar(url)  # migrates the schema
    a.stop()
    sql = f"""
        INSERT INTO pdp_users (key, email, attributes, created_at, updated_at)
            SELECT 'user-' || i, 'user-' || i || '@example.com', '{{}}', now(), now() FROM generate_series(1, {args.users}) i;
        INSERT INTO pdp_role_assignments (user_key, role, tenant_key, assigned_at)
            SELECT 'user-' || i, CASE WHEN i % 10 = 0 THEN 'admin' ELSE 'viewer' END, 'default', now() FROM generate_series(1, {args.users}) i;
        INSERT INTO pdp_facts_changes (position, mutations) VALUES (1, '\\x00000000');
        UPDATE pdp_facts_head SET position = 1;
    """
    subprocess.run(["psql", plain, "-qXc", sql], check=True)
    started = time.monotonic()
    b = Sidecar(url)
    connection = b.connection()
    while True:
        try:
            status, body = call(connection, "GET", "/ready")
            if status == 200 and body["facts"]["users"] >= args.users:
                break
        except OSError:
            connection = b.connection()
        time.sleep(0.01)
    print(f"{args.users} users in PostgreSQL: exec to first 200 on /ready with them all: {time.monotonic() - started:.2f} s")
    b.stop()
    # Again from the local copy it now has: reads the snapshot file and the log since.
    started = time.monotonic()
    process = subprocess.Popen(
        [BIN, "serve", "--policy", str(POLICY), "--port", "0", "--api-key", KEY, "--data-dir", b.data,
         "--facts-store", url, "--log-level", "warning"], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    print(f"restart from its local copy: exec to listening {time.monotonic() - started:.2f} s ({line})")
    process.terminate()
    process.wait(30)


def writes(args, url):
    """Ack latency and throughput: a sidecar on PostgreSQL, then a journal server."""
    script = str(REPO / "Benchmarks" / "macro" / "stream_writes.py")
    a = Sidecar(url)
    print("PostgreSQL sidecar:")
    subprocess.run([sys.executable, script, a.url, KEY, "--connections", "4", "--seconds", str(args.seconds)])
    a.stop()
    journal = tempfile.mkdtemp(prefix="pdp-bench-journal-")
    process = subprocess.Popen(
        [BIN, "serve", "--policy", str(POLICY), "--port", "0", "--api-key", KEY, "--data-dir", journal, "--log-level", "warning"],
        stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    print("local journal:")
    subprocess.run([sys.executable, script, line.rsplit(" ", 1)[1], KEY, "--connections", "4", "--seconds", str(args.seconds)])
    process.terminate()
    process.wait(30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["propagation", "allowed", "startup", "writes"])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="pdp-bench-pg-")
    url = cluster(directory)
    try:
        args.cluster_url = url
        url = database(url, "bench")
        {"propagation": propagation, "allowed": allowed, "startup": startup, "writes": writes}[args.what](args, url)
    finally:
        subprocess.run(["bash", str(REPO / "scripts" / "postgres-cluster.sh"), "remove", directory])


if __name__ == "__main__":
    sys.exit(main())
