"""Starts the swift-pdp server once per session and hands the SDK clients its URL.

The binary is $PDP_BIN, or <repo>/.build/debug/pdp. It is started with both policy files, an
API key and `--port 0`, and the suite waits for its one `pdp listening on http://HOST:PORT` line.
If it dies at any point the test that noticed fails with its stderr.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from expectations import API_KEY  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
POLICIES = [REPO / "policies" / "tasks.yaml", REPO / "Tests" / "compat" / "policy" / "users.yaml"]
STARTUP_TIMEOUT = float(os.environ.get("PDP_STARTUP_TIMEOUT", "30"))
LISTENING = re.compile(r"^pdp listening on (http://\S+:\d+)$")


@dataclass
class PDPServer:
    url: str
    host: str
    port: int
    api_key: str
    process: subprocess.Popen
    stderr_path: Path
    stdout_lines: list[str] = field(default_factory=list)
    data_dir: Path | None = None

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-20000:]
        except OSError as error:
            return f"<cannot read stderr: {error}>"

    def assert_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            pytest.fail(
                f"the pdp server exited with status {code}\n--- stderr ---\n{self.stderr()}"
                f"\n--- stdout ---\n{''.join(self.stdout_lines)[-5000:]}",
                pytrace=False,
            )


def _binary() -> Path:
    path = Path(os.environ.get("PDP_BIN") or REPO / ".build" / "debug" / "pdp")
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"no pdp binary at {path}: run `swift build` or set PDP_BIN", pytrace=False)
    return path


@pytest.fixture(scope="session")
def pdp_server():
    # Facts written by tests go to memory: this server's static users are the oracle of the
    # decision tests. The facts API tests use `facts_server` (a fresh data directory).
    with running_pdp(["--in-memory"]) as server:
        yield server


@pytest.fixture(scope="module")
def facts_server(tmp_path_factory):
    """A server of its own per test module, journaling facts into a fresh data directory."""
    data_dir = tmp_path_factory.mktemp("pdp-data")
    with running_pdp(["--data-dir", str(data_dir)]) as server:
        server.data_dir = data_dir
        yield server


@contextlib.contextmanager
def running_pdp(extra_args, policies=None, cwd=None, env=None, api_key=API_KEY):
    """Starts `pdp serve` with `extra_args` and yields a PDPServer; stops it afterwards.

    `env`: variables added to this process's environment for the server; `api_key=None`
    leaves `--api-key` out (the key then comes from the environment, if anywhere)."""
    binary = _binary()
    stderr_file = tempfile.NamedTemporaryFile(prefix="pdp-compat-stderr-", suffix=".log", delete=False)
    command = [str(binary), "serve"]
    for policy in POLICIES if policies is None else policies:
        command += ["--policy", str(policy)]
    command += ["--host", "127.0.0.1", "--port", "0"]
    if api_key is not None:
        command += ["--api-key", api_key]
    command += list(extra_args)
    process = subprocess.Popen(
        command,
        cwd=cwd or REPO,
        env={**os.environ, **env} if env else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
        bufsize=1,
    )
    stdout_lines: list[str] = []
    found: dict[str, str] = {}
    ready = threading.Event()

    def drain() -> None:
        # Reads stdout for the whole session, so the server never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            stdout_lines.append(line)
            match = LISTENING.match(line.rstrip("\r\n"))
            if match and not ready.is_set():
                found["url"] = match.group(1)
                ready.set()
        ready.set()

    reader = threading.Thread(target=drain, name="pdp-stdout", daemon=True)
    reader.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            break
    server_stderr = Path(stderr_file.name)

    def failure(why: str) -> str:
        return (
            f"{why}\ncommand: {' '.join(command)}\n--- stdout ---\n{''.join(stdout_lines)[-5000:]}"
            f"\n--- stderr ---\n{server_stderr.read_text(errors='replace')[-20000:]}"
        )

    if "url" not in found:
        process.kill()
        process.wait(10)
        code = process.returncode
        pytest.fail(
            failure(f"the pdp server did not print `pdp listening on http://HOST:PORT` within "
                    f"{STARTUP_TIMEOUT:.0f} s (exit status {code})"),
            pytrace=False,
        )
    url = found["url"]
    host, port = url[len("http://"):].rsplit(":", 1)
    server = PDPServer(url, host, int(port), api_key or "", process, server_stderr, stdout_lines)
    server.assert_alive()
    try:
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        reader.join(5)
        stderr_file.close()
        os.unlink(stderr_file.name)


@pytest.fixture(autouse=True)
def _server_stays_up(request):
    """After each test that used the server: fail loudly, with its stderr, if it died."""
    yield
    if "pdp_server" in request.fixturenames:
        request.getfixturevalue("pdp_server").assert_alive()


@pytest.fixture(scope="session")
def pdp_url(pdp_server) -> str:
    return pdp_server.url


def _options(url: str, token: str = API_KEY, **extra):
    # pdp_timeout: a hung server fails the test in seconds instead of aiohttp's 300 s default.
    return dict(pdp=url, api_url=url, token=token, pdp_timeout=20, **extra)


@pytest.fixture(scope="session")
def make_async_permit(pdp_url):
    """Builds `permit.Permit` (the async client) against the server; kwargs override options."""
    import permit

    def make(**overrides):
        return permit.Permit(**{**_options(pdp_url), **overrides})

    return make


@pytest.fixture(scope="session")
def make_sync_permit(pdp_url):
    """Builds `permit.sync.Permit` (the blocking client) against the server."""
    import permit.sync

    def make(**overrides):
        return permit.sync.Permit(**{**_options(pdp_url), **overrides})

    return make


@pytest.fixture(scope="session")
def async_permit(make_async_permit):
    return make_async_permit()


@pytest.fixture(scope="session")
def sync_permit(make_sync_permit):
    return make_sync_permit()
