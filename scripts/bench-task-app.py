#!/usr/bin/env python3
"""The task list page as admin with 50 tasks, under wrk (keep-alive, 16 connections).

Starts `pdp serve` (in memory) and `task-manager serve` (SQLite file in a temporary
directory) from the release build, seeds 50 tasks through the app's own forms, logs in as
admin, runs wrk against /tasks with the session cookie, stops the app (which then logs how
many PDP requests it made and their mean time), and prints requests/s, latency percentiles,
PDP requests per page and the PDP's share of page time.

    scripts/bench-task-app.py [--bin .build/release] [--duration 15] [--connections 16] [--threads 2]

Needs wrk (apt-get install wrk). Only loopback addresses are used."""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN = ("admin@example.com", "bench-admin-password")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_line(proc, path, pattern, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in path.read_text(errors="replace").splitlines():
            if re.search(pattern, line):
                return line
        if proc.poll() is not None:
            sys.exit(f"{proc.args[0]} exited:\n{path.read_text()}")
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {pattern!r} in {path}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release"))
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="task-app-bench-"))
    key = "bench-key"
    pdp_log, app_log = work / "pdp.out", work / "app.out"
    pdp = subprocess.Popen([f"{args.bin}/pdp", "serve", "--policy", str(ROOT / "policies/tasks.yaml"),
                            "--port", "0", "--in-memory", "--api-key", key, "--no-watch",
                            "--log-level", "warning"],
                           stdout=pdp_log.open("w"), stderr=subprocess.STDOUT)
    app = None
    try:
        pdp_url = wait_line(pdp, pdp_log, r"^pdp listening on").split()[-1]
        port = free_port()
        env = dict(os.environ, PERMIT_PDP_URL=pdp_url, PERMIT_API_KEY=key,
                   DATABASE_URL=f"sqlite://{work}/tasks.sqlite", ADMIN_EMAIL=ADMIN[0],
                   ADMIN_PASSWORD=ADMIN[1], TASK_MANAGER_RESOURCES=str(ROOT))
        app = subprocess.Popen([f"{args.bin}/task-manager", "serve", "--env", "production",
                                "--hostname", "127.0.0.1", "--port", str(port)],
                               stdout=app_log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=work)
        wait_line(app, app_log, r"Server started on")
        base = f"http://127.0.0.1:{port}"

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

        def page(path):
            return opener.open(base + path).read().decode()

        def post(path, fields, token):
            data = urllib.parse.urlencode(list(fields) + [("_csrf", token)]).encode()
            try:
                opener.open(base + path, data=data)
            except urllib.error.HTTPError as answer:
                if answer.code != 303:
                    raise

        def token(html):
            return re.search(r'name="_csrf" value="([0-9a-f]{64})"', html).group(1)

        post("/login", [("email", ADMIN[0]), ("password", ADMIN[1])], token(page("/login")))
        form_token = token(page("/tasks/new"))
        priorities = ["low", "medium", "high"]
        for index in range(args.tasks):
            post("/tasks", [("title", f"Task {index:02d}"), ("description", "Seeded for the benchmark"),
                            ("due_date", f"2030-{index % 12 + 1:02d}-15"),
                            ("priority", priorities[index % 3])], form_token)
        html = page("/tasks")
        rows = html.count('<td><a href="/tasks/')
        assert rows == args.tasks, f"{rows} rows on the list page"
        cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
        size = len(html.encode())

        command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
                   "-H", f"Cookie: {cookies}", base + "/tasks"]
        print("$", " ".join(command[:-3]), "-H 'Cookie: ...'", command[-1], flush=True)
        wrk = subprocess.run(command, capture_output=True, text=True)
        print(wrk.stdout)
        requests = int(re.search(r"(\d+) requests in", wrk.stdout).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)

        app.send_signal(signal.SIGINT)
        app.wait(timeout=30)
        line = wait_line(app, app_log, r"PDP requests", timeout=5)
        pdp_requests = int(re.search(r"pdp\.requests: (\d+)", line).group(1))
        pdp_mean_us = int(re.search(r"pdp\.mean_us: (\d+)", line).group(1))
        latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", wrk.stdout)
        scale = {"us": 1, "ms": 1_000, "s": 1_000_000}[latency.group(2)]
        page_mean_us = float(latency.group(1)) * scale
        # Before wrk: the first-start admin (scope lookup, users.sync, role: 3), the task form
        # (1), the creates (one each) and the list check (1); login asks nothing.
        seeded = 3 + 1 + args.tasks + 1
        print(f"page: {size} bytes, {rows} tasks; wrk requests: {requests}"
              + (f", non-2xx: {non2xx.group(1)}" if non2xx else ""))
        print(f"PDP requests during the run: {pdp_requests - seeded} for {requests} pages "
              f"({(pdp_requests - seeded) / requests:.3f} per page)")
        print(f"PDP mean wait {pdp_mean_us} us of a {page_mean_us:.0f} us mean page: "
              f"{100 * pdp_mean_us / page_mean_us:.1f}% of page time")
    finally:
        for proc in (app, pdp):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
