"""The install steps the container image is built with, proven without a container engine:
`scripts/install.sh` builds and installs the release `pdp` into a prefix, and this test checks
that the Dockerfile runs that same script, copies what it installs, installs the libraries the
binary loads, and that the installed binary serves as the image would run it (as an unprivileged
user, on 0.0.0.0 with an API key, healthy by `pdp probe`).

The release build of the task app is left out here (it adds many minutes to every CI run); the
Dockerfile's task-manager stage is checked against the script's layout only.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, running_pdp

DOCKERFILE = REPO / "Dockerfile"
PREFIX_IN_IMAGE = "/opt/swift-pdp"
# Libraries every Debian image already has (apt itself needs them).
BASE_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1"}


def stages():
    """{stage name: [instruction lines]} of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    result, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = match.group(1) or f"final-{len(result)}"
            result[current] = []
            continue
        if current:
            result[current].append(line)
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    result = subprocess.run(["scripts/install.sh", "--prefix", str(prefix), "--products", "pdp"],
                            cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return prefix, result.stdout


def test_the_dockerfile_builds_with_the_install_script():
    build = stages()["build"]
    runs = [line for line in build if line.startswith("RUN ")]
    assert f"RUN scripts/install.sh --prefix {PREFIX_IN_IMAGE}" in runs, runs


def test_the_runtime_stages_copy_what_the_script_installs_and_run_as_non_root():
    all_stages = stages()
    for stage, binary in (("pdp", "pdp"), ("task-manager", "task-manager")):
        lines = all_stages[stage]
        assert f"COPY --from=build {PREFIX_IN_IMAGE}/bin/{binary} /usr/local/bin/{binary}" in lines, lines
        users = [line.split()[1] for line in lines if line.startswith("USER ")]
        assert users and users[-1] not in ("root", "0"), f"{stage} runs as root"
        assert any(line.startswith("VOLUME ") for line in lines), f"{stage} has no volume for its data"
    pdp = all_stages["pdp"]
    assert f"COPY --from=build {PREFIX_IN_IMAGE}/share/swift-pdp/policies /etc/pdp/policies" in pdp
    assert "EXPOSE 7766" in pdp
    assert any("HEALTHCHECK" in line and '"pdp", "probe"' in line and "/healthy" in line for line in pdp)
    assert 'ENTRYPOINT ["pdp"]' in pdp
    cmd = next(line for line in pdp if line.startswith("CMD "))
    assert "/etc/pdp/policies/tasks.yaml" in cmd and "/var/lib/pdp" in cmd and "0.0.0.0" in cmd
    app = all_stages["task-manager"]
    assert f"COPY --from=build {PREFIX_IN_IMAGE}/share/swift-pdp/task-manager /opt/task-manager" in app
    assert any("TASK_MANAGER_RESOURCES=/opt/task-manager" in line for line in app), app
    # What install.sh copies there for the app to find.
    assert (REPO / "Resources" / "Views").is_dir() and (REPO / "Public").is_dir()
    final = list(all_stages)[-1]
    assert final.startswith("final"), "the last stage makes the PDP the default target"


def test_the_pdp_stage_installs_every_library_the_binary_loads(installed):
    prefix, output = installed
    assert f"installed {prefix}/bin/pdp" in output
    libraries = subprocess.run(["ldd", str(prefix / "bin" / "pdp")], capture_output=True, text=True, check=True).stdout
    paths = [line.split("=>")[1].split()[0] for line in libraries.splitlines() if "=>" in line and "/" in line.split("=>")[1]]
    assert paths, libraries
    needed = set()
    for path in paths:
        owner = subprocess.run(["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        assert owner.returncode == 0, f"{path} belongs to no Debian package: the image would lack it"
        needed.add(owner.stdout.split(":")[0])
    assert not any(package.startswith("swift") for package in needed), needed
    installs = " ".join(line for line in stages()["pdp"] if "apt-get install" in line)
    missing = sorted(package for package in needed - BASE_PACKAGES if package not in installs.split())
    assert not missing, f"the pdp stage does not install {missing} (it installs: {installs})"


def test_the_installed_binary_serves_as_the_image_runs_it(installed, tmp_path):
    prefix, _ = installed
    binary = prefix / "bin" / "pdp"
    assert subprocess.run([str(binary), "--version"], capture_output=True, text=True).returncode == 0
    data = tmp_path / "data"
    arguments = ["--host", "0.0.0.0", "--data-dir", str(data)]
    environment = dict(os.environ, PDP_BIN=str(binary))
    policies = [prefix / "share" / "swift-pdp" / "policies" / "tasks.yaml"]
    previous = os.environ.get("PDP_BIN")
    os.environ["PDP_BIN"] = str(binary)
    try:
        with running_pdp(arguments, policies=policies) as server:
            probe = subprocess.run([str(binary), "probe", f"http://127.0.0.1:{server.port}/healthy"],
                                   capture_output=True, text=True, env=environment, timeout=10)
            assert probe.returncode == 0, probe.stderr
            down = subprocess.run([str(binary), "probe", f"http://127.0.0.1:{server.port}/no-such-page"],
                                  capture_output=True, text=True, timeout=10)
            assert down.returncode == 1 and "answered 401" in down.stderr, down.stderr
    finally:
        if previous is None:
            os.environ.pop("PDP_BIN", None)
        else:
            os.environ["PDP_BIN"] = previous
    assert (data / "facts.journal").exists()


def test_the_installed_binary_runs_as_an_unprivileged_user(installed, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("switching to another user needs root (CI runs as root)")
    prefix, _ = installed
    binary = prefix / "bin" / "pdp"
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, 65534, 65534)
    # The unprivileged user must be able to reach the data directory and the binary.
    for directory in [tmp_path, *tmp_path.parents, prefix, *prefix.parents]:
        os.chmod(directory, os.stat(directory).st_mode | 0o005)
    policy = prefix / "share" / "swift-pdp" / "policies" / "tasks.yaml"
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(binary), "serve",
               "--host", "0.0.0.0", "--port", "0", "--policy", str(policy), "--data-dir", str(data), "--no-watch"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PDP_API_KEY="install-test-key"))
    try:
        line = process.stdout.readline()
        assert line.startswith("pdp listening on http://0.0.0.0:"), (line, process.stderr.read() if process.poll() is not None else "")
        port = line.strip().rsplit(":", 1)[1]
        probe = subprocess.run([str(binary), "probe", f"http://127.0.0.1:{port}/healthy"], capture_output=True, text=True, timeout=10)
        assert probe.returncode == 0, probe.stderr
        # The load harness as an unprivileged user too (both once set SO_DEBUG, which only
        # root may, where they meant TCP_NODELAY).
        load = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(binary), "load",
             "--url", f"http://127.0.0.1:{port}", "--policy", str(policy), "--requests", "200", "--connections", "2",
             "--api-key", "install-test-key"], capture_output=True, text=True, timeout=60)
        assert load.returncode == 0, load.stdout + load.stderr
        assert "requests    200" in load.stdout, load.stdout
    finally:
        process.terminate()
        process.wait(10)
    assert os.stat(data / "facts.journal").st_uid == 65534
