"""The README's quick start, run as a newcomer would run it: every code block marked
`<!-- readme-test: KIND -->` is executed against a live `pdp serve` started as the README says
(policies/tasks.yaml, no API key), and must succeed and print what the README says it prints.

* `shell`: run with bash (`set -euo pipefail`); each `# => TEXT` line must appear in the output.
* `python`: run with this venv's interpreter (the pinned Permit SDK); each `print(...)  # VALUE`
  must print VALUE, in order.
* `policy`: the YAML must pass `pdp validate`.

The only change made to a block is the server's address: the README says 127.0.0.1:7766, the
test server listens on a free port.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, _binary, running_pdp

README = REPO / "README.md"
MARKER = re.compile(r"<!-- readme-test: (\w+) -->\n```\w*\n(.*?)```", re.S)
DOCUMENTED_ADDRESS = "127.0.0.1:7766"


def blocks(kind: str) -> list[str]:
    found = [body for marked, body in MARKER.findall(README.read_text()) if marked == kind]
    assert found, f"the README has no block marked readme-test: {kind}"
    return found


def test_every_marked_block_has_a_known_kind():
    kinds = {marked for marked, _ in MARKER.findall(README.read_text())}
    assert kinds <= {"shell", "python", "policy"}, kinds
    assert {"shell", "python"} <= kinds, "the quick start's curl and SDK blocks are tested"


@pytest.fixture(scope="module")
def quick_start_server():
    # As `scripts/run.sh --pdp-only` starts it: the bundled policy, no key, loopback.
    with running_pdp(["--in-memory", "--no-watch"], policies=[REPO / "policies" / "tasks.yaml"],
                     api_key=None) as server:
        yield server


def run_shell(body: str, server) -> str:
    script = "set -euo pipefail\n" + body.replace(DOCUMENTED_ADDRESS, f"{server.host}:{server.port}")
    environment = dict(os.environ, PATH=f"{_binary().parent}:{os.environ.get('PATH', '')}")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, env=environment, cwd=REPO)
    assert result.returncode == 0, f"README block failed ({result.returncode}):\n{body}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    return result.stdout


def test_the_shell_quick_start_ends_in_an_allowed_check(quick_start_server):
    for body in blocks("shell"):
        output = run_shell(body, quick_start_server)
        expected = [line.split("# =>", 1)[1].strip() for line in body.splitlines() if line.strip().startswith("# =>")]
        assert expected, f"a shell block states no expected output:\n{body}"
        for text in expected:
            assert text in output, f"expected {text!r} in the output of:\n{body}\n--- got\n{output}"


def test_the_python_quick_start_prints_what_the_readme_says(quick_start_server):
    for body in blocks("python"):
        code = body.replace(DOCUMENTED_ADDRESS, f"{quick_start_server.host}:{quick_start_server.port}")
        expected = [m.group(1) for m in re.finditer(r"^print\(.*\)\s*#\s*(\S+?)[:\s]", code + "\n", re.M)]
        assert expected, f"a Python block states no expected output:\n{body}"
        result = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code],
                                capture_output=True, text=True, timeout=120, cwd=REPO)
        assert result.returncode == 0, f"README Python block failed:\n{body}\n--- stderr\n{result.stderr}"
        assert "never awaited" not in result.stderr, result.stderr
        assert result.stdout.split() == expected, f"printed {result.stdout.split()}, the README says {expected}"


def test_the_policy_example_is_valid(tmp_path: Path):
    for index, body in enumerate(blocks("policy")):
        path = tmp_path / f"readme-{index}.yaml"
        path.write_text(body)
        result = subprocess.run([str(_binary()), "validate", str(path)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{body}\n--- pdp validate\n{result.stdout}{result.stderr}"
