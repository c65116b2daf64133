"""Only SQLite opens catalog.db: the hazards of SQLite's "How To Corrupt An SQLite Database
File" that apply to Shoebox, each with a test (docs/architecture.md, "The catalogue file")."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from ingest_helpers import make_jpeg

from appliance.catalog.backups import set_aside
from appliance.catalog.db import Catalog, CatalogError
from appliance.catalog.file_guard import (
    CatalogFileRuleBroken,
    check_catalog_location,
    filesystem_type,
)
from appliance.catalog.health import check_catalog
from appliance.library import Library

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "appliance"

pytestmark = pytest.mark.skipif(
    os.environ.get("SHOEBOX_TEST_BACKEND", "sqlite") != "sqlite",
    reason="the catalogue file rules are SQLite's (PostgreSQL keeps its own files)",
)


def _count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    finally:
        con.close()


def _other_process_reads_and_closes(db: Path) -> None:
    """What `shoebox status` does beside the service: open, read, close its last connection."""
    code = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute('SELECT COUNT(*) FROM t').fetchone(); c.close()"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)


def test_the_health_check_keeps_this_process_locks(tmp_path: Path) -> None:
    """The service checks the catalogue while its own connections are open; another
    process then closes its last connection. The service's later commits must survive
    (a plain open()/close() of catalog.db dropped the service's locks, the other process
    checkpointed and deleted the WAL the service was writing, and its commits were lost)."""
    library = Library(tmp_path)
    db = library.catalog_path
    service = sqlite3.connect(db, isolation_level=None)
    service.execute("PRAGMA journal_mode=WAL")
    service.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY)")
    service.execute("INSERT INTO photo DEFAULT VALUES")
    service.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    service.execute("INSERT INTO t DEFAULT VALUES")
    try:
        assert check_catalog(library).state == "ok"
        _other_process_reads_and_closes(db)
        assert Path(f"{db}-wal").exists(), "the WAL was deleted under the service"
        service.execute("INSERT INTO t DEFAULT VALUES")  # a commit after the other process
        assert _count(db) == 2
    finally:
        service.close()
    assert _count(db) == 2


def _run_as_shoebox_code(source: str) -> None:
    """Run ``source`` as if it were a line of the appliance package."""
    exec(compile(source, str(PACKAGE / "catalog" / "_rule_probe.py"), "exec"), {})


def test_shoebox_code_cannot_open_the_catalogue_file(tmp_path: Path) -> None:
    db = tmp_path / "catalog.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (id INTEGER)")
    con.close()
    for name in ("catalog.db", "catalog.db-wal", "catalog.db-shm"):
        with pytest.raises(CatalogFileRuleBroken):
            _run_as_shoebox_code(f"open({str(tmp_path / name)!r}, 'rb').close()")
    # the same line in a test (the tests damage catalogues on purpose) is allowed
    with open(db, "rb") as fh:
        assert fh.read(6) == b"SQLite"


def test_shoebox_code_cannot_fork_with_connections() -> None:
    with pytest.raises(CatalogFileRuleBroken):
        _run_as_shoebox_code("import os; os.fork()")


def test_the_guard_is_on_in_every_shoebox_process(tmp_path: Path) -> None:
    """The tests' `shoebox` subprocesses keep the rule too (the environment carries it)."""
    db = tmp_path / "catalog.db"
    sqlite3.connect(db).close()
    probe = PACKAGE / "catalog" / "_rule_probe.py"
    line = f"open({str(db)!r}, 'rb').close()"
    code = f"import appliance; exec(compile({line!r}, {str(probe)!r}, 'exec'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode != 0 and "CatalogFileRuleBroken" in result.stderr


def test_a_catalogue_with_a_second_hard_link_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "catalog.db"
    Catalog.open(db).close()
    os.link(db, tmp_path / "other-name.db")
    assert "hard links" in (check_catalog_location(db) or "")
    with pytest.raises(CatalogError, match="hard links"):
        Catalog.open(db)


def test_network_filesystems_are_recognised(tmp_path: Path) -> None:
    mountinfo = (
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "40 22 0:40 / /mnt/nas\\040share rw,relatime shared:20 - nfs4 nas:/photos rw\n"
        "41 22 0:41 / /mnt/usb rw,relatime shared:21 - exfat /dev/sdb1 ro\n"
    )
    assert filesystem_type(Path("/mnt/nas share/lib"), mountinfo) == "nfs4"
    assert filesystem_type(Path("/mnt/usb/lib"), mountinfo) == "exfat"
    assert filesystem_type(Path("/mnt/nasty"), mountinfo) == "ext4"
    assert filesystem_type(tmp_path) != ""  # this machine's own mount table is read
    assert check_catalog_location(tmp_path / "catalog.db") is None


def test_setting_aside_never_deletes_a_hot_wal(tmp_path: Path) -> None:
    """A WAL without its database may hold commits: it is set aside, never deleted."""
    catalog = tmp_path / "catalog.db"
    Path(f"{catalog}-wal").write_bytes(b"commits")
    assert set_aside(catalog, "before-rebuild") is None
    kept = [p for p in tmp_path.iterdir() if p.name.endswith("-wal")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"commits"
    assert not Path(f"{catalog}-wal").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _shoebox(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "appliance.cli", *args], capture_output=True, text=True, env=env
    )


def _wait(predicate, what: str, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def test_a_command_beside_the_service_loses_none_of_its_commits(tmp_path: Path) -> None:
    """The issue's steps: `shoebox run`, then `shoebox status` beside it, then a photo in the
    inbox; after a clean stop the photo is in the catalogue."""
    library, inbox = tmp_path / "library", tmp_path / "inbox"
    inbox.mkdir()
    env = {
        **os.environ,
        "SHOEBOX_LABELS": "0",
        "SHOEBOX_FACES": "0",
        "SHOEBOX_SETTLE_SECONDS": "0.2",
        "PYTHONPATH": str(REPO),
    }
    env.pop("NOTIFY_SOCKET", None)
    port = _free_port()
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library), "run"]
    service = subprocess.Popen(
        [*command, "--inbox", str(inbox), "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: _answers(f"http://127.0.0.1:{port}/login"), "the web UI")
        status = _shoebox("--library", str(library), "status", env=env)
        assert status.returncode == 0, status.stderr
        assert Path(f"{library / 'catalog.db'}-wal").exists(), "status deleted the WAL"
        make_jpeg(tmp_path / "photo.jpg", 7, "2021:05:06 07:08:09")
        os.replace(tmp_path / "photo.jpg", inbox / "photo.jpg")
        _wait(lambda: not (inbox / "photo.jpg").exists(), "the inbox to take the photo")
        _wait(
            lambda: any(p.suffix == ".jpg" for p in (library / "originals").rglob("*")),
            "the photo in originals/",
        )
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
    finally:
        service.kill()
        errors = service.stderr.read()
    assert "disk I/O error" not in errors, errors
    exported = _shoebox("--library", str(library), "export", env=env)
    assert exported.returncode == 0, exported.stderr
    assert "photo.jpg" in exported.stdout, "the service's commit was lost"
