#!/usr/bin/env python3
"""Streams facts writes at a running `pdp serve` and prints their acknowledgement latency.

Each write is `PUT /facts/users/{key}` with one role assignment (a user plus a role: one
journal transaction, fsynced before the answer), over N keep-alive connections.

    stream_writes.py URL API_KEY [--connections 4] [--seconds 10]
"""

import argparse
import http.client
import json
import threading
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("api_key")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    target = urllib.parse.urlparse(args.url)
    headers = {"Authorization": f"Bearer {args.api_key}", "Content-Type": "application/json"}
    latencies = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def run(worker):
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        mine, index = [], 0
        while time.monotonic() < deadline:
            key = f"bench-{worker}-{index}-{time.monotonic_ns()}"
            body = json.dumps({"key": key, "role_assignments": [{"role": "viewer", "tenant": "default"}]})
            start = time.perf_counter()
            connection.request("PUT", f"/facts/users/{key}", body, headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            assert response.status in (200, 201), response.status
            index += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(f"writes: {len(latencies)} in {args.seconds:.0f}s ({len(latencies) / args.seconds:.0f}/s) over "
          f"{args.connections} connections; ack latency p50 {pct(50):.2f} ms, p99 {pct(99):.2f} ms, max {latencies[-1] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
