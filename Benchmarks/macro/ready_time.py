#!/usr/bin/env python3
"""Time from starting `pdp serve` to the first 200 on GET /ready, over several runs.

    Benchmarks/macro/ready_time.py [--pdp .build/release/pdp] [--runs 10] [--policy PATH ...]

Polls /ready every 0.5 ms on loopback; prints each run and the median/max in milliseconds.
"""
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


def one_run(pdp: str, policies: list[str]) -> float:
    port = free_port()
    command = [pdp, "serve", "--port", str(port), "--api-key", "k", "--log-level", "error"]
    for policy in policies:
        command += ["--policy", policy]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - start < 10:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    return (time.perf_counter() - start) * 1000
            except OSError:
                pass
            if process.poll() is not None:
                sys.exit(f"pdp exited early: {process.stderr.read().decode(errors='replace')}")
            time.sleep(0.0005)
        sys.exit("pdp did not become ready within 10 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdp", default=str(REPO / ".build" / "release" / "pdp"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--policy", action="append", default=None)
    args = parser.parse_args()
    policies = args.policy or [str(REPO / "policies" / "tasks.yaml")]
    times = [one_run(args.pdp, policies) for _ in range(args.runs)]
    print("ready after (ms):", " ".join(f"{t:.1f}" for t in times))
    print(f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} runs")


if __name__ == "__main__":
    main()
