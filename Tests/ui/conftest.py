"""Fixtures for the browser test: a real `pdp serve` and `task-manager serve`, both on free
loopback ports, and headless Chromium driven by Selenium.

Environment: PDP_BIN and TASK_MANAGER_BIN (default .build/debug/...), UI_ARTIFACTS (where
screenshots go, default .build/ui-artifacts), UI_SCREENSHOTS_DIR (also copy the main
screenshots there, e.g. docs/screenshots)."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-ui"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_line(proc: subprocess.Popen, path: Path, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    regex = re.compile(pattern)
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        for line in text.splitlines():
            if regex.search(line):
                return line
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited ({proc.returncode}):\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"{proc.args[0]} printed no line matching {pattern!r} in {timeout}s:\n{text}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ.get("UI_ARTIFACTS", ROOT / ".build" / "ui-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def servers(artifacts):
    """Starts pdp serve and task-manager; yields the app's URL."""
    pdp_bin = os.environ.get("PDP_BIN", str(ROOT / ".build" / "debug" / "pdp"))
    app_bin = os.environ.get("TASK_MANAGER_BIN", str(ROOT / ".build" / "debug" / "task-manager"))
    work = Path(tempfile.mkdtemp(prefix="task-manager-ui-"))
    key = "ui-test-key"
    pdp_out = work / "pdp.out"
    pdp = subprocess.Popen(
        [pdp_bin, "serve", "--policy", str(ROOT / "policies" / "tasks.yaml"), "--port", "0",
         "--in-memory", "--api-key", key, "--no-watch"],
        stdout=pdp_out.open("w"), stderr=subprocess.STDOUT, cwd=work)
    app = None
    try:
        line = wait_for_line(pdp, pdp_out, r"^pdp listening on http://", 30)
        pdp_url = line.split()[-1]
        port = free_port()
        env = dict(os.environ, PERMIT_PDP_URL=pdp_url, PERMIT_API_KEY=key,
                   DATABASE_URL=f"sqlite://{work}/tasks.sqlite", ADMIN_EMAIL=ADMIN_EMAIL,
                   ADMIN_PASSWORD=ADMIN_PASSWORD, TASK_MANAGER_RESOURCES=str(ROOT))
        app_out = work / "task-manager.out"
        app = subprocess.Popen(
            [app_bin, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
            stdout=app_out.open("w"), stderr=subprocess.STDOUT, cwd=work, env=env)
        wait_for_line(app, app_out, r"Server started on", 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        if app is not None:
            stop(app)
            shutil.copy(work / "task-manager.out", artifacts / "task-manager.out")
        stop(pdp)
        shutil.copy(pdp_out, artifacts / "pdp.out")
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def browser():
    """Headless Chromium, from Debian's packages (never downloaded by Selenium)."""
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium and chromedriver are required (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keep the browser's page and a screenshot beside the other artifacts."""
    outcome = yield
    report = outcome.get_result()
    driver = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and driver is not None:
        path = Path(os.environ.get("UI_ARTIFACTS", ROOT / ".build" / "ui-artifacts"))
        path.mkdir(parents=True, exist_ok=True)
        (path / f"FAILED-{item.name}.html").write_text(driver.page_source)
        driver.save_screenshot(str(path / f"FAILED-{item.name}.png"))
        print(f"failure page: {driver.current_url} -> {path}/FAILED-{item.name}.html")
