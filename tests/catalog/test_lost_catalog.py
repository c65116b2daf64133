"""Items 2 and 3: a lost catalog is never a new library; restore, rebuild, backups."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

import pytest
from ingest_helpers import make_jpeg, quick_settings

from appliance.catalog.backups import (
    BackupError,
    BackupSchedule,
    list_backups,
    prune,
    take_backup,
    verify,
)
from appliance.catalog.health import check_catalog
from appliance.cli import main
from appliance.library import Library
from appliance.web import create_app

DAMAGE = {
    "deleted": lambda p: p.unlink(),
    "empty": lambda p: p.write_bytes(b""),
    "bad header": lambda p: p.write_bytes(os.urandom(4096)),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:1024]),
}


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:  # noqa: ANN001
    """A library with three imported photos and no backup yet."""
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")
    for i in range(3):
        make_jpeg(tmp_path / "card" / f"IMG_{i}.jpg", 10 + i, f"2020:0{i + 1}:02 10:00:00")
    root = tmp_path / "lib"
    assert main(["--library", str(root), "import", str(tmp_path / "card")]) == 0
    for backup in (root / "backups").iterdir():  # the start-up backup: tests add their own
        backup.unlink()
    capsys.readouterr()
    return root


def _originals(root: Path) -> dict[str, bytes]:
    base = root / "originals"
    return {
        str(p.relative_to(base)): p.read_bytes()
        for p in base.rglob("*")
        if p.is_file() and ".incoming" not in p.parts
    }


def _photos(root: Path) -> int:
    with sqlite3.connect(root / "catalog.db") as con:
        return con.execute("SELECT COUNT(*) FROM photo").fetchone()[0]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_lost_catalog_closes_setup_and_says_why(library: Path, damage: str, capsys) -> None:  # noqa: ANN001
    DAMAGE[damage](library / "catalog.db")
    for extra in ("catalog.db-wal", "catalog.db-shm"):
        (library / extra).unlink(missing_ok=True)
    health = check_catalog(Library(library))
    assert health.state == "lost" and "originals/ holds photos" in health.reason
    app = create_app(quick_settings(library, setup_file=library / "none.toml"), Library(library))
    client = app.test_client()
    for path in ("/setup", "/login", "/", "/api/v1/photos"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert b"catalog is lost" in response.data and b"shoebox restore" in response.data
    assert client.post("/setup", data={"username": "evil", "password": "x" * 12}).status_code == 503
    assert main(["--library", str(library), "doctor"]) == 1
    assert "the catalog is lost" in capsys.readouterr().out
    assert main(["--library", str(library), "import", str(library.parent / "card")]) == 4
    assert "shoebox rebuild" in capsys.readouterr().err


def test_new_library_still_offers_setup(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert check_catalog(Library(root)).state == "new"
    app = create_app(quick_settings(root, setup_file=root / "none.toml"), Library(root))
    assert app.test_client().get("/setup").status_code == 200


def test_restore_brings_back_the_newest_verified_backup(library: Path, capsys) -> None:  # noqa: ANN001
    assert main(["--library", str(library), "backup"]) == 0
    assert "backed up 3 photos" in capsys.readouterr().out
    newest = list_backups(library / "backups")[0].path
    damaged = newest.with_name("catalog-29990101-000000.db")  # newer, but it fails its check
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    (library / "catalog.db").write_bytes(b"")
    assert main(["--library", str(library), "restore"]) == 0
    out = capsys.readouterr().out
    assert f"restored {newest.name}: 3 photos" in out
    assert _photos(library) == 3 and check_catalog(Library(library)).state == "ok"
    assert main(["--library", str(library), "restore", str(damaged)]) == 1  # refused
    assert _photos(library) == 3


def test_rebuild_recatalogues_originals_in_place(library: Path, capsys) -> None:  # noqa: ANN001
    before = _originals(library)
    with sqlite3.connect(library / "catalog.db") as con:
        stored = sorted(r[0] for r in con.execute("SELECT stored_path FROM file"))
    assert main(["--library", str(library), "rebuild"]) == 2  # refuses over a good catalog
    assert "--force" in capsys.readouterr().err
    (library / "catalog.db").unlink()
    assert main(["--library", str(library), "rebuild"]) == 0
    assert "3 catalogued" in capsys.readouterr().out
    assert _originals(library) == before  # nothing moved, copied or touched
    assert main(["--library", str(library), "export", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert sorted(f["stored_path"] for r in records for f in r["files"]) == stored
    assert {r["taken_at"][:10] for r in records} == {"2020-01-02", "2020-02-02", "2020-03-02"}
    # an import after the rebuild sees the same content as already stored
    assert main(["--library", str(library), "import", str(library.parent / "card")]) == 0
    assert "3 duplicates" in capsys.readouterr().out
    assert _originals(library) == before


def test_rebuild_add_missing_after_an_older_restore(library: Path, capsys) -> None:  # noqa: ANN001
    assert main(["--library", str(library), "backup"]) == 0
    make_jpeg(library.parent / "later" / "new.jpg", 40, "2021:01:01 00:00:00")
    assert main(["--library", str(library), "import", str(library.parent / "later")]) == 0
    (library / "catalog.db").unlink()
    assert main(["--library", str(library), "restore"]) == 0
    assert _photos(library) == 3
    assert main(["--library", str(library), "rebuild", "--add-missing"]) == 0
    assert "1 files: 1 catalogued" in capsys.readouterr().out
    assert _photos(library) == 4


# --- backups -------------------------------------------------------------------------------


def test_backup_schedule_after_changes_at_most_hourly_and_nightly(library: Path) -> None:
    lib = Library(library)
    schedule = BackupSchedule(lib.catalog_path, lib.backups)
    noon = dt.datetime(2026, 5, 5, 12, 0, 0)
    assert schedule.due(noon) == "nightly"  # none yet
    assert schedule.run_if_due(noon) is not None
    assert schedule.due(noon + dt.timedelta(minutes=5)) is None
    schedule.note_change()
    assert schedule.due(noon + dt.timedelta(minutes=30)) is None  # at most hourly
    assert schedule.run_if_due(noon + dt.timedelta(minutes=61)) is not None
    assert schedule.due(noon + dt.timedelta(hours=3)) is None  # no change since
    assert schedule.due(noon + dt.timedelta(hours=12, minutes=1)) == "nightly"
    kept = list_backups(lib.backups)  # one a day is kept: the newest
    assert [b.taken for b in kept] == [noon + dt.timedelta(minutes=61)]


def test_backup_schedule_counts_a_backup_another_process_took(library: Path) -> None:
    """`shoebox import-volume` opens the catalogue and takes the day's backup; the service,
    started before it, takes no second "nightly" one the same day."""
    lib = Library(library)
    schedule = BackupSchedule(lib.catalog_path, lib.backups)  # the service, no backup yet
    noon = dt.datetime(2026, 5, 5, 12, 0, 0)
    take_backup(lib.catalog_path, lib.backups, noon)  # the import command's
    assert schedule.due(noon + dt.timedelta(minutes=2)) is None
    assert schedule.run_if_due(noon + dt.timedelta(minutes=2)) is None
    assert len(list_backups(lib.backups)) == 1
    assert schedule.due(noon + dt.timedelta(hours=12, minutes=1)) == "nightly"


def test_backups_keep_seven_daily_and_four_weekly(library: Path) -> None:
    lib = Library(library)
    start = dt.datetime(2026, 1, 1, 3, 0, 0)
    for day in range(60):
        for hour in (0, 5):
            take_backup(lib.catalog_path, lib.backups, start + dt.timedelta(days=day, hours=hour))
    kept = [b.taken for b in list_backups(lib.backups)]
    last = start + dt.timedelta(days=59, hours=5)
    days = sorted({t.date() for t in kept}, reverse=True)
    assert kept[0] == last
    assert days[:7] == [last.date() - dt.timedelta(days=i) for i in range(7)]
    weeks = {t.isocalendar()[:2] for t in kept}
    assert len(weeks) == 4 and len(kept) <= 7 + 4
    assert prune(lib.backups) == []  # stable


def test_failed_backup_keeps_the_older_ones(library: Path) -> None:
    lib = Library(library)
    good = take_backup(lib.catalog_path, lib.backups)
    (library / "catalog.db").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    for extra in ("catalog.db-wal", "catalog.db-shm"):
        (library / extra).unlink(missing_ok=True)
    with pytest.raises(BackupError):
        take_backup(lib.catalog_path, lib.backups, dt.datetime.now() + dt.timedelta(days=1))
    assert [b.path for b in list_backups(lib.backups)] == [good.path]
    assert not list(lib.backups.glob("*.partial"))
    left = lib.backups / "catalog-20200101-000000.db.partial"  # a backup cut by SIGKILL
    left.write_bytes(b"half")
    BackupSchedule(lib.catalog_path, lib.backups)  # the service starting again
    assert not left.exists()


def test_status_shows_the_age_of_the_newest_backup(library: Path, capsys) -> None:  # noqa: ANN001
    take_backup(library / "catalog.db", library / "backups")
    assert main(["--library", str(library), "status"]) == 0
    assert "backup: just now" in capsys.readouterr().out
    assert main(["--library", str(library), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backup"]["age_seconds"] < 60 and report["backup"]["count"] == 1


def test_service_with_a_lost_catalog_says_so_and_imports_nothing(library: Path) -> None:
    import socket
    import subprocess
    import sys

    from tests.service.test_daemon_crash import daemon_env

    (library / "catalog.db").write_bytes(b"")
    inbox = library.parent / "inbox"
    make_jpeg(inbox / "new.jpg", 50)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(library.parent / "notify"))
    listener.settimeout(60)
    env = daemon_env() | {"NOTIFY_SOCKET": str(library.parent / "notify")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "--library", str(library), "run", "--no-web"]
        + ["--inbox", str(inbox)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        message = listener.recv(4096).decode()
        assert "READY=1" in message and "catalog lost" in message and "shoebox restore" in message
        assert proc.poll() is None  # no crash, no restart loop
        assert (inbox / "new.jpg").exists() and (library / "catalog.db").stat().st_size == 0
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        listener.close()
    assert proc.returncode == 0 and "the catalog is lost" in err and "Traceback" not in err


def test_backups_beside_each_other_never_take_each_others_file(library: Path) -> None:
    """`shoebox backup` beside the service: two backups in the same second, and a service
    starting while a command's backup is being written (the torture test caught a backup
    whose partial file the other writer had renamed or swept away)."""
    import subprocess
    import sys

    lib = Library(library)
    when = dt.datetime(2026, 12, 4, 6, 51, 43)
    first = take_backup(lib.catalog_path, lib.backups, when)
    second = take_backup(lib.catalog_path, lib.backups, when)  # the same name, one second
    assert first.path == second.path and verify(second.path)[0]
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = lib.backups / f".catalog-20261204-065144.db.{writer.pid}.partial"
        live.write_bytes(b"being written")
        dead = lib.backups / ".catalog-20261204-065145.db.999999999.partial"
        dead.write_bytes(b"left by a killed writer")
        BackupSchedule(lib.catalog_path, lib.backups)  # the service starting meanwhile
        assert live.exists() and not dead.exists()
    finally:
        writer.kill()
        writer.wait()
    BackupSchedule(lib.catalog_path, lib.backups)
    assert not live.exists()
