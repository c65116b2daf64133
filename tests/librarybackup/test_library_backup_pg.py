"""Issue 23 with a PostgreSQL catalogue: the catalogue goes into the backup as a `pg_dump`
(never as files), and a restore gives that dump back for `pg_restore`."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from ingest_helpers import make_jpeg

from tests.librarybackup.test_library_backup import digests, needs_restic, ok, shoebox

pytestmark = [
    needs_restic,
    pytest.mark.skipif(shutil.which("pg_restore") is None, reason="PostgreSQL is not installed"),
]


def _scalar(url: str, sql: str) -> str:
    done = subprocess.run(["psql", "-At", "-d", url, "-c", sql], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_postgresql_catalogue_is_dumped_and_restored(postgres, tmp_path: Path) -> None:  # noqa: ANN001
    url = postgres.new_database()
    state, root = tmp_path / "sd", tmp_path / "lib"
    for i in range(3):
        make_jpeg(tmp_path / "card" / f"IMG_{i}.jpg", 30 + i, f"2021:0{i + 1}:05 09:00:00")
    pg = {"SHOEBOX_CATALOG_URL": url}
    ok(shoebox(root, state, "import", str(tmp_path / "card"), **pg))
    ok(
        shoebox(
            root, state, "user", "add", "anna", "--role", "admin", SHOEBOX_PASSWORD="x" * 12, **pg
        )
    )
    assert not (root / "catalog.db").exists()
    repo = tmp_path / "usb" / "shoebox-library"
    ok(shoebox(root, state, "library-backup", "add", "usb", str(repo), **pg))
    out = ok(shoebox(root, state, "library-backup", "run", **pg))
    assert "backed up 3 photos" in out

    restored = tmp_path / "restored"
    out = ok(shoebox(root, state, "library-backup", "restore", "usb", "--to", str(restored)))
    dump = restored / ".library-backup" / "shoebox-catalog" / "catalog.pgdump"
    assert f"pg_restore --no-owner -d URL {dump}" in out
    assert digests(restored / "originals") == digests(root / "originals")
    target = postgres.new_database()
    done = subprocess.run(
        ["pg_restore", "--no-owner", "-d", target, str(dump)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert _scalar(target, "SELECT COUNT(*) FROM photo") == "3"
    hashed = _scalar(target, "SELECT password_hash FROM \"user\" WHERE username = 'anna'")
    assert hashed == _scalar(url, "SELECT password_hash FROM \"user\" WHERE username = 'anna'")
    assert hashed and "x" * 12 not in hashed
    assert hashlib.sha256(dump.read_bytes()).hexdigest()  # a real file came back
