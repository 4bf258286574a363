"""Durability of the facts data directory, tested on the real `pdp serve` process: damage
that is not an unfinished final write, a deleted or older snapshot, and a restart on a full
disk. Damage must stop the start with exit status 7, the file and the offset, and leave the
files untouched; `pdp facts check` and `pdp facts repair` let an operator decide.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

from conftest import POLICIES, REPO, _binary, running_pdp
from expectations import API_KEY

HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
JOURNAL_HEADER = 24
RECORD_HEADER = 24


def call(server, method, path, body=None):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = connection.getresponse()
        text = response.read()
    finally:
        connection.close()
    return response.status, (json.loads(text) if text else None)


def allowed(server, user, action, tenant):
    status, body = call(server, "POST", "/allowed", {
        "user": {"key": user}, "action": action, "resource": {"type": "task", "tenant": tenant}})
    assert status == 200, body
    return body["allow"]


def journal_records(path: Path):
    """(offset, length, sequence) of every record of a format 2 journal."""
    data = path.read_bytes()
    assert data[:8] == b"PDPJOURN", data[:8]
    records, offset = [], JOURNAL_HEADER
    while offset < len(data):
        magic, length, sequence, _, _ = struct.unpack_from("<4sIQII", data, offset)
        assert magic == b"PDPR"
        records.append((offset, length, sequence))
        offset += RECORD_HEADER + length
    return records


def serve_once(data_dir: Path, timeout=30):
    """Runs `pdp serve` expecting it to refuse to start; returns the CompletedProcess."""
    command = [str(_binary()), "serve", "--host", "127.0.0.1", "--port", "0", "--api-key", API_KEY,
               "--data-dir", str(data_dir), "--no-watch"]
    for policy in POLICIES:
        command += ["--policy", str(policy)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def pdp(*arguments, timeout=30):
    return subprocess.run([str(_binary()), *arguments], capture_output=True, text=True, timeout=timeout, cwd=REPO)


def test_damaged_length_in_the_middle_stops_the_start_and_repair_lets_an_operator_decide(tmp_path):
    data_dir = tmp_path / "data"
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert call(server, "PUT", "/facts/users/mallory", {"key": "mallory"})[0] in (200, 201)
        assert call(server, "POST", "/facts/users/mallory/roles", {"role": "admin", "tenant": "acme"})[0] in (200, 201)
        assert call(server, "PUT", "/facts/users/trent", {"key": "trent"})[0] in (200, 201)
        assert call(server, "DELETE", "/facts/users/mallory/roles", {"role": "admin", "tenant": "acme"})[0] in (200, 204)
        assert not allowed(server, "mallory", "delete", "acme")
    journal = data_dir / "facts.journal"
    records = journal_records(journal)
    assert len(records) == 4
    # The third record's length now points past the end of the file: before format 2 this
    # passed for a torn tail, the revocation after it was dropped and mallory was admin again.
    offset = records[2][0]
    damaged = bytearray(journal.read_bytes())
    struct.pack_into("<I", damaged, offset + 4, len(damaged))
    journal.write_bytes(bytes(damaged))

    refused = serve_once(data_dir)
    assert refused.returncode == 7, (refused.returncode, refused.stdout, refused.stderr)
    assert "pdp listening" not in refused.stdout
    assert str(journal) in refused.stderr and f"offset {offset}" in refused.stderr, refused.stderr
    assert journal.read_bytes() == bytes(damaged), "the damaged journal was changed"

    check = pdp("facts", "check", str(data_dir))
    assert check.returncode == 7, check.stdout
    assert f"DAMAGED at byte {offset}" in check.stdout and f"--to-offset {offset}" in check.stdout, check.stdout

    wrong = pdp("facts", "repair", str(data_dir), "--to-offset", str(offset + 1))
    assert wrong.returncode == 7 and "not where a record starts" in wrong.stderr, wrong.stderr
    repair = pdp("facts", "repair", str(data_dir), "--to-offset", str(offset))
    assert repair.returncode == 0, (repair.stdout, repair.stderr)
    assert "kept 2 records" in repair.stdout, repair.stdout
    kept = list(data_dir.glob("facts.journal.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == bytes(damaged)
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        status, body = call(server, "GET", "/facts/users/trent")
        assert status == 404, "records after the cut were discarded, as the operator chose"
        assert call(server, "GET", "/facts/users/mallory")[0] == 200


def snapshot_sequence(data_dir: Path) -> int:
    data = (data_dir / "facts.snapshot").read_bytes()
    assert data[:8] == b"PDPSNAP2"
    return struct.unpack_from("<Q", data, 12)[0]


def write_until_compacted(server, data_dir: Path, prefix: str, beyond: int) -> int:
    """Writes users until a compaction has put a snapshot past `beyond` in place."""
    for index in range(2000):
        assert call(server, "PUT", f"/facts/users/{prefix}-{index}", {"key": f"{prefix}-{index}"})[0] in (200, 201)
        if index % 10 == 9 and snapshot_sequence(data_dir) > beyond:
            return snapshot_sequence(data_dir)
    pytest.fail("no compaction happened")


def test_a_deleted_or_older_snapshot_stops_the_start(tmp_path):
    data_dir = tmp_path / "data"
    with running_pdp(["--data-dir", str(data_dir), "--no-watch", "--compact-after-bytes", "600"]) as server:
        first = write_until_compacted(server, data_dir, "early", 0)
        older = (data_dir / "facts.snapshot").read_bytes()
        write_until_compacted(server, data_dir, "late", first)
        # Let the compaction job finish removing the rotated journal.
        deadline = time.monotonic() + 10
        while (data_dir / "facts.journal.compacting").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    current = (data_dir / "facts.snapshot").read_bytes()
    journal = (data_dir / "facts.journal").read_bytes()

    (data_dir / "facts.snapshot").write_bytes(older)
    refused = serve_once(data_dir)
    assert refused.returncode == 7, refused.stderr
    assert "older snapshot" in refused.stderr, refused.stderr

    (data_dir / "facts.snapshot").unlink()
    refused = serve_once(data_dir)
    assert refused.returncode == 7, refused.stderr
    assert "there is no facts.snapshot" in refused.stderr, refused.stderr
    assert (data_dir / "facts.journal").read_bytes() == journal

    (data_dir / "facts.snapshot").write_bytes(current)
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert call(server, "GET", "/facts/users/early-0")[0] == 200
        assert call(server, "GET", "/facts/users/late-0")[0] == 200


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs: the disk the data directory fills."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(path: Path):
    """Writes `path` until the disk has no block left."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            while True:
                try:
                    os.write(descriptor, b"\xAA" * size)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
                    break
    finally:
        os.close(descriptor)


def test_restart_on_a_full_disk_serves_decisions_and_refuses_writes_until_space_returns(small_disk):
    data_dir = small_disk / "data"
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        for index in range(40):
            assert call(server, "PUT", f"/facts/users/user-{index}", {
                "key": f"user-{index}", "role_assignments": [{"role": "admin", "tenant": "acme"}]})[0] in (200, 201)
        server.process.kill()
        server.process.wait(10)
    filler = small_disk / "filler"
    fill(filler)

    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert allowed(server, "user-39", "delete", "acme")
        # Larger than the free part of the journal's last page: it needs a new block.
        status, body = call(server, "PUT", "/facts/users/late", {"key": "late", "attributes": {"bio": "x" * 20000}})
        assert status == 503, (status, body)
        assert call(server, "GET", "/facts/users/late")[0] == 404, "a refused write is not applied"
        assert not (data_dir / "facts.snapshot.tmp").exists()
        assert allowed(server, "user-0", "delete", "acme"), "decisions go on while writes are refused"
        filler.unlink()
        status, body = call(server, "PUT", "/facts/users/late", {
            "key": "late", "role_assignments": [{"role": "admin", "tenant": "acme"}]})
        assert status in (200, 201), (status, body)
        assert allowed(server, "late", "delete", "acme")
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert allowed(server, "late", "delete", "acme")
        assert allowed(server, "user-39", "delete", "acme")
    assert sorted(p.name for p in data_dir.iterdir() if p.name.endswith(".tmp")) == []
    shutil.rmtree(data_dir, ignore_errors=True)


def test_a_read_only_data_directory_serves_decisions_and_refuses_writes(small_disk):
    data_dir = small_disk / "data"
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert call(server, "PUT", "/facts/users/reader", {
            "key": "reader", "role_assignments": [{"role": "admin", "tenant": "acme"}]})[0] in (200, 201)
        server.process.kill()
        server.process.wait(10)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with running_pdp(["--data-dir", str(data_dir), "--no-watch"]) as server:
        assert allowed(server, "reader", "delete", "acme")
        status, body = call(server, "PUT", "/facts/users/writer", {"key": "writer"})
        assert status == 503, (status, body)
        assert "Read-only file system" in json.dumps(body), body
