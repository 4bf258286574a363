"""schemathesis against the live server, driven by docs/openapi.json.

Every documented operation is called with requests generated from the document: valid ones
must be accepted, invalid ones rejected with a 4xx, responses must match the documented
status, content type, headers and schema, protected operations must refuse a missing key,
undocumented methods must be 405 with `Allow`, and the stateful phase chains writes and
reads (a deleted user must then be 404). Any failure fails this test with schemathesis's
report, which names the operation and a `curl` line that reproduces it.

Bounded in time: OPENAPI_FUZZ_SECONDS (default 120) for the whole run. The seed is fixed so
that a run can be repeated (OPENAPI_FUZZ_SEED, default below; `random` for a new one each
run, printed in the report). Runs in the `openapi` venv (requirements-openapi.txt); the
checks' settings are in schemathesis.toml beside this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, running_pdp
from expectations import API_KEY

pytest.importorskip("schemathesis", reason="runs in the openapi venv (Tests/compat/requirements-openapi.txt)")

DOCUMENT = REPO / "docs" / "openapi.json"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
MAX_SECONDS = int(os.environ.get("OPENAPI_FUZZ_SECONDS", "120"))
SEED = os.environ.get("OPENAPI_FUZZ_SEED", "20261207")


def test_schemathesis_finds_no_failure(tmp_path):
    executable = Path(sys.executable).parent / "schemathesis"
    assert executable.is_file(), f"no schemathesis next to {sys.executable}"
    with running_pdp(["--in-memory"]) as server:
        command = [
            str(executable), "--config-file", str(CONFIG), "--no-color",
            "run", str(DOCUMENT),
            "--url", server.url,
            "--header", f"Authorization: Bearer {API_KEY}",
            "--checks", "all",
            # One worker: the stateful phase reads back what it wrote, and a second worker
            # writing the same generated keys in between makes false alarms.
            "--workers", "1",
            "--max-time", str(MAX_SECONDS),
            "--generation-database", "none",
            "--output-truncate", "true",
        ]
        if SEED != "random":
            command += ["--seed", SEED]
        # In a scratch directory: schemathesis keeps a cache in its working directory.
        result = subprocess.run(
            command, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=MAX_SECONDS + 300,
        )
        server.assert_alive()
    report = result.stdout + result.stderr
    (REPO / ".build").mkdir(exist_ok=True)
    (REPO / ".build" / "schemathesis-report.txt").write_text(report)
    print(report[-3000:])
    assert result.returncode == 0, f"schemathesis failed (exit {result.returncode}; full report in .build/schemathesis-report.txt):\n{report[-20000:]}"
