#!/usr/bin/env python3
"""Slow clients against a real `pdp serve`: can trickling connections lock a real client out?

Starts the server with --max-connections N, opens T connections that each send the start of
a request head and then one byte a second (each byte used to reset the idle timer), then a
real client makes R requests, each on a new connection (as the Python SDK does), and reports
how many were answered and how fast. Loopback only; bounded in count and time.

    Benchmarks/macro/slowloris.py [--bin .build/debug/pdp] [--max-connections 100]
                                  [--trickle 100,300] [--requests 200]
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "slowloris-key"
CHECK = b'{"user":{"key":"alice"},"action":"read","resource":{"type":"task"}}'
REQUEST = (b"POST /allowed HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY.encode()
           + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(CHECK)).encode() + b"\r\n\r\n" + CHECK)


def start(binary: str, max_connections: int) -> tuple[subprocess.Popen, int]:
    command = [binary, "serve", "--policy", os.path.join(ROOT, "policies", "tasks.yaml"), "--in-memory",
               "--port", "0", "--api-key", KEY, "--max-connections", str(max_connections), "--log-level", "error"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r":(\d+)\s*$", line)
    if not match:
        process.kill()
        sys.exit(f"server did not start: {line!r}")
    return process, int(match.group(1))


def answered(port: int, timeout: float) -> float | None:
    """One request on a new connection: its latency in seconds, or None if not answered."""
    start = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(REQUEST)
            data = b""
            while b"\r\n\r\n" not in data or not data.endswith(b"}"):
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                data += chunk
            return time.perf_counter() - start if data.startswith(b"HTTP/1.1 200") else None
    except OSError:
        return None


def run(binary: str, max_connections: int, trickling: int, requests: int) -> dict:
    process, port = start(binary, max_connections)
    stop = threading.Event()
    sockets: list[socket.socket] = []
    try:
        for _ in range(trickling):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /allowed HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ")
            sockets.append(sock)

        def trickle() -> None:
            while not stop.wait(1.0):
                for sock in sockets:
                    try:
                        sock.send(b"a")
                    except OSError:
                        pass

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        time.sleep(0.5)  # let the server accept (and, when it does, evict) them all
        latencies = [answered(port, timeout=2.0) for _ in range(requests)]
        ok = sorted(x for x in latencies if x is not None)
        still_open = 0
        for sock in sockets:
            try:
                sock.setblocking(False)
                sock.recv(1)  # end of input, or the start of a 408: closed or closing
            except BlockingIOError:
                still_open += 1
            except OSError:
                pass
        return {
            "trickling": trickling, "answered": len(ok), "requests": requests, "trickling_still_open": still_open,
            "p50_ms": round(statistics.median(ok) * 1000, 2) if ok else None,
            "p99_ms": round(ok[min(len(ok) - 1, int(len(ok) * 0.99))] * 1000, 2) if ok else None,
        }
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "pdp"))
    parser.add_argument("--max-connections", type=int, default=100)
    parser.add_argument("--trickle", default="0,100,300")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    for count in (int(x) for x in args.trickle.split(",")):
        result = run(args.bin, args.max_connections, count, args.requests)
        print(f"max-connections {args.max_connections}, {result['trickling']:4d} trickling: "
              f"{result['answered']}/{result['requests']} real requests answered, "
              f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
              f"{result['trickling_still_open']} trickling connections still open", flush=True)


if __name__ == "__main__":
    main()
