#!/usr/bin/env python3
"""Kill storm: SIGKILLs at random moments while writers stream acknowledged facts writes,
with a large data directory on disk; every acknowledged write must survive every restart,
and every restart must be ready quickly (issue #15, item 5).

    scripts/kill_storm.py [--kills 20] [--writers 4] [--users 1000000] [--pdp .build/release/pdp]
                          [--compact-after-bytes 2000000] [--ready-limit 1.0] [--seed 1]

The data directory starts as a copy of one holding --users users, each with a role
(generated once in the server's own format 2 files and cached under .build/kill-storm/). Then, for
each kill: `pdp serve` starts (the time from spawn to the first 200 on /ready is the restart
time), every write acknowledged so far is verified (the user exists with its role: one
`/allowed/bulk` check per write, plus a sample of the users on disk), --writers threads
stream `PUT /facts/users/{key}` (user plus role: one journal transaction each), and the
process is SIGKILLed. The moments rotate over three kinds:
  random      after 0.2 to 2 s
  compaction  while a compaction is under way (facts.journal.compacting or
              facts.snapshot.tmp exists; --compact-after-bytes keeps them frequent)
  reload      0 to 20 ms after a policy edit and SIGHUP
Prints one line per round and a summary; exits 1 if any acknowledged write was lost or
half-applied, or a restart took longer than --ready-limit seconds (0: no limit).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "storm-key"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body=None, timeout: float = 60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)
    finally:
        connection.close()


class Server:
    def __init__(self, pdp: str, data: Path, policy: Path, compact_after: int | None, log: Path):
        self.port = free_port()
        command = [pdp, "serve", "--port", str(self.port), "--api-key", KEY, "--data-dir", str(data),
                   "--policy", str(policy), "--no-watch", "--log-level", "warning", "--max-body-bytes", str(8 << 20)]
        if compact_after:
            command += ["--compact-after-bytes", str(compact_after)]
        self.log = log.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = started + 120
        while True:
            if self.process.poll() is not None:
                sys.exit(f"pdp serve exited with {self.process.returncode} during start-up (log {log})")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                sys.exit("pdp serve was not ready within 120 s")
            time.sleep(0.002)
        self.ready_seconds = time.perf_counter() - started
        # CPU seconds the process used to get ready: unlike the wall time, barely moved by
        # other load on a shared machine.
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        self.ready_cpu_seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)
        self.log.close()


def encode_snapshot(users: int, sequence: int) -> bytes:
    """A format 2 snapshot (docs/facts.md; Sources/PDPStore/Files/SnapshotFormat.swift) of
    `users` users `disk-N`, each a viewer in default: the mutations that rebuild the state."""
    now = int(time.time() * 1000)
    stamp = struct.pack("<q", now)
    parts = [struct.pack("<I", users * 2)]
    for i in range(users):
        key = f"disk-{i}".encode()
        # putUser: tag 1, key, email/first/last absent, no attributes, createdAt, updatedAt
        parts.append(b"\x01" + struct.pack("<I", len(key)) + key + b"\x00\x00\x00" + struct.pack("<I", 0) + stamp + stamp)
    for i in range(users):
        key = f"disk-{i}".encode()
        # assign: tag 5, user, role, tenant, at
        parts.append(b"\x05" + struct.pack("<I", len(key)) + key + struct.pack("<I", 6) + b"viewer" + struct.pack("<I", 7) + b"default" + stamp)
    payload = b"".join(parts)
    header = b"PDPSNAP2" + struct.pack("<IQQI", 2, sequence, len(payload), zlib.crc32(payload))
    return header + struct.pack("<I", zlib.crc32(header)) + payload


def journal_header(base_sequence: int) -> bytes:
    header = b"PDPJOURN" + struct.pack("<IQ", 2, base_sequence)
    return header + struct.pack("<I", zlib.crc32(header))


def base_directory(args, policy: Path) -> Path:
    """A data directory holding --users users, each a viewer in default, written as the
    server writes it (a format 2 snapshot and an empty journal that continues from it):
    writing a million users through the facts API takes hours while bulk writes cost
    O(all facts) each. Checked by starting a server on it and reading one user back."""
    base = ROOT / ".build" / "kill-storm" / f"base-{args.users}"
    if (base / "complete").exists():
        return base / "data"
    shutil.rmtree(base, ignore_errors=True)
    (base / "data").mkdir(parents=True)
    started = time.perf_counter()
    (base / "data" / "facts.snapshot").write_bytes(encode_snapshot(args.users, 1))
    (base / "data" / "facts.journal").write_bytes(journal_header(1))
    server = Server(args.pdp, base / "data", policy, None, base / "check.log")
    status, body = request(server.port, "GET", f"/facts/users/disk-{args.users - 1}")
    server.stop()
    if status != 200:
        sys.exit(f"the generated data directory does not read back: {status} {body} (log {base / 'check.log'})")
    (base / "complete").write_text(str(args.users))
    print(f"wrote {args.users:,} users into {base} in {time.perf_counter() - started:.1f} s", flush=True)
    return base / "data"


def verify(port: int, keys: list[str], label: str) -> int:
    """Every key must be a user holding viewer in default: `task:read` allowed. Returns misses."""
    missing = 0
    for first in range(0, len(keys), 5_000):
        chunk = keys[first:first + 5_000]
        checks = [{"user": {"key": k}, "action": "read", "resource": {"type": "task", "tenant": "default"}} for k in chunk]
        status, body = request(port, "POST", "/allowed/bulk", checks)
        if status != 200:
            sys.exit(f"{label}: /allowed/bulk answered {status}")
        lost = [k for k, answer in zip(chunk, body["allow"]) if not answer["allow"]]
        if lost:
            print(f"  {label}: {len(lost)} lost or half-applied, e.g. {lost[:5]}", flush=True)
        missing += len(lost)
    return missing


def writer(port: int, name: str, acknowledged: list[str], stop: threading.Event) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    index = 0
    while not stop.is_set():
        key = f"{name}-{index}"
        body = json.dumps({"key": key, "role_assignments": [{"role": "viewer", "tenant": "default"}]})
        try:
            connection.request("PUT", f"/facts/users/{key}", body, HEADERS)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # the server died: this write was not acknowledged
        if response.status not in (200, 201):
            print(f"  writer {name}: {key} answered {response.status}", flush=True)
            return
        acknowledged.append(key)
        index += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdp", default=str(ROOT / ".build" / "release" / "pdp"))
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--compact-after-bytes", type=int, default=2_000_000)
    parser.add_argument("--ready-limit", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=str(ROOT / ".build" / "kill-storm" / "run"))
    args = parser.parse_args()
    rng = random.Random(args.seed)

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "policy").mkdir(parents=True)
    policy = work / "policy" / "tasks.yaml"
    tasks = (ROOT / "policies" / "tasks.yaml").read_text()
    policy.write_text(tasks)
    base = base_directory(args, policy)
    data = work / "data"
    shutil.copytree(base, data)
    log = work / "pdp.log"

    acknowledged: list[str] = []
    ready_times: list[float] = []
    ready_cpu: list[float] = []
    kinds = {"random": 0, "compaction": 0, "reload": 0}
    caught_compactions = 0
    lost_total = 0
    disk_sample = [f"disk-{rng.randrange(args.users)}" for _ in range(2_000)] if args.users else []
    for round_number in range(args.kills + 1):
        server = Server(args.pdp, data, policy, args.compact_after_bytes, log)
        ready_times.append(server.ready_seconds)
        ready_cpu.append(server.ready_cpu_seconds)
        lost = verify(server.port, list(acknowledged), f"round {round_number}") + verify(server.port, disk_sample, "users on disk")
        ready = f"ready in {server.ready_seconds * 1000:.0f} ms ({server.ready_cpu_seconds:.2f} s CPU)"
        lost_total += lost
        if round_number == args.kills:
            server.stop()
            print(f"round {round_number}: {ready}, {len(acknowledged):,} acknowledged writes verified, {lost} lost (final)", flush=True)
            break
        round_start = len(acknowledged)
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(server.port, f"w{round_number}-{w}", acknowledged, stop)) for w in range(args.writers)]
        for thread in threads:
            thread.start()
        # The kill clock starts once this round's first write is acknowledged: with many
        # users on disk a write can take most of a second (issue #11 item 7), and a round
        # that kills before any write tests nothing.
        deadline = time.monotonic() + 60
        while len(acknowledged) == round_start and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.001)
        kind = ["random", "compaction", "reload"][round_number % 3]
        kinds[kind] += 1
        note = ""
        if kind == "random":
            time.sleep(rng.uniform(0.2, 2.0))
        elif kind == "compaction":
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not ((data / "facts.journal.compacting").exists() or (data / "facts.snapshot.tmp").exists()):
                time.sleep(0.0005)
            if time.monotonic() < deadline:
                caught_compactions += 1
                time.sleep(rng.uniform(0, 0.05))
                note = " (during compaction)"
            else:
                note = " (no compaction started within 30 s)"
        else:
            time.sleep(rng.uniform(0.2, 1.0))
            policy.write_text(tasks + f"\n# edit {round_number}\n")
            server.process.send_signal(signal.SIGHUP)
            time.sleep(rng.uniform(0, 0.02))
            note = " (during a reload)"
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()
        print(f"round {round_number}: {ready}, {lost} lost; killed ({kind}){note} "
              f"with {len(acknowledged) - round_start:,} writes acknowledged this round, {len(acknowledged):,} in all", flush=True)

    slow = [t for t in ready_times if args.ready_limit and t > args.ready_limit]
    print(f"kill storm: {args.kills} SIGKILLs ({kinds['random']} random, {kinds['compaction']} aimed at compaction of which "
          f"{caught_compactions} landed during one, {kinds['reload']} during a reload), {args.writers} writers, {args.users:,} users on disk: "
          f"{len(acknowledged):,} acknowledged writes, {lost_total} lost; restart ready median {statistics.median(ready_times) * 1000:.0f} ms, "
          f"max {max(ready_times) * 1000:.0f} ms over {len(ready_times)} starts (CPU to ready: median {statistics.median(ready_cpu):.2f} s, "
          f"max {max(ready_cpu):.2f} s)")
    if lost_total or slow:
        if slow:
            print(f"kill storm: FAILED: {len(slow)} restarts slower than {args.ready_limit} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
