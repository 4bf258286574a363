#!/usr/bin/env python3
"""Time from starting `pdp serve` to the first 200 on GET /ready, over several runs.

    Benchmarks/macro/ready_time.py [--pdp .build/release/pdp] [--runs 10] [--policy PATH ...]
                                   [--data-dir DIR] [--timeout 10]

Polls /ready every 0.5 ms on loopback; prints each run and the median/max in milliseconds.
Without --data-dir the server keeps its facts in memory (an empty start). With it, every run
starts on a fresh copy of DIR (a facts data directory, for example the 1 M-user one
scripts/kill_storm.py generates under .build/kill-storm/base-1000000/data) and also reports
the CPU seconds the server used until ready.
"""
import os
import shutil
import tempfile
import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(pdp: str, policies: list[str], data: str | None, timeout: float) -> float:
    port = free_port()
    command = [pdp, "serve", "--port", str(port), "--api-key", "k", "--log-level", "error", "--no-watch"]
    for policy in policies:
        command += ["--policy", policy]
    work = None
    if data:
        work = tempfile.mkdtemp(prefix="ready-time-")
        shutil.copytree(data, os.path.join(work, "data"))
        command += ["--data-dir", os.path.join(work, "data")]
    else:
        command += ["--in-memory"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - start < timeout:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    took = (time.perf_counter() - start) * 1000
                    if data:
                        print(f"  ready after {took:.0f} ms, {cpu_seconds(process.pid):.2f} s of CPU")
                    return took
            except OSError:
                pass
            if process.poll() is not None:
                sys.exit(f"pdp exited early: {process.stderr.read().decode(errors='replace')}")
            time.sleep(0.0005)
        sys.exit(f"pdp did not become ready within {timeout:g} s")
    finally:
        process.terminate()
        process.wait(timeout=60)
        if work:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdp", default=str(REPO / ".build" / "release" / "pdp"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--policy", action="append", default=None)
    parser.add_argument("--data-dir", default=None, help="a facts data directory, copied for every run")
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait for /ready (default 10, 300 with --data-dir)")
    args = parser.parse_args()
    policies = args.policy or [str(REPO / "policies" / "tasks.yaml")]
    timeout = args.timeout or (300 if args.data_dir else 10)
    times = [one_run(args.pdp, policies, args.data_dir, timeout) for _ in range(args.runs)]
    print("ready after (ms):", " ".join(f"{t:.1f}" for t in times))
    print(f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} runs")


if __name__ == "__main__":
    main()
