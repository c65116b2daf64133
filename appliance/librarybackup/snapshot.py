"""A consistent copy of the catalogue and settings, staged for restic to read.

restic never reads ``catalog.db`` (only SQLite may open it): the catalogue is copied with
SQLite's online backup API (or ``pg_dump`` for a PostgreSQL catalogue) into
``<library>/.library-backup/shoebox-catalog/`` and checked; that folder is backed up with
``originals/`` and ``sidecars/``. It holds every decision, the users with their hashed
passwords, albums and share links. ``manifest.json`` says what the snapshot holds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from appliance.catalog.backups import copy_database, verify
from appliance.library import Library

STAGING = Path(".library-backup") / "shoebox-catalog"  # relative to the library root
CATALOG = "catalog-snapshot.db"  # not "catalog.db": only SQLite opens that name
PG_DUMP = "catalog.pgdump"
MANIFEST = "manifest.json"
SETTINGS = "shoebox.toml"


class SnapshotError(RuntimeError):
    """The catalogue could not be copied or the copy failed its check."""


def staging_dir(library: Library) -> Path:
    return library.root / STAGING


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _pg_dump(url: str, into: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise SnapshotError("pg_dump is not installed (Debian: postgresql-client)")
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={into}", url],
        capture_output=True,
        text=True,
        timeout=6 * 3600,
    )
    if done.returncode != 0:
        raise SnapshotError(f"pg_dump failed: {done.stderr.strip()[-400:]}")


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        photos, newest = con.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM photo").fetchone()
        users = con.execute('SELECT COUNT(*) FROM "user"').fetchone()[0]
    finally:
        con.close()
    return {"photos": int(photos), "max_photo_id": int(newest), "users": int(users)}


def _pg_counts() -> dict[str, int]:
    from appliance.catalog.photos import library_counts

    return library_counts()


def stage_catalogue(library: Library, settings_file: Path | None = None) -> dict[str, Any]:
    """Copy the catalogue (and the settings file) into the staging folder; return the
    manifest. The previous staging is replaced only by a copy that passed its check."""
    stage = staging_dir(library)
    fresh = stage.with_name(stage.name + ".partial")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    taken = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest: dict[str, Any] = {"taken": taken.isoformat(), "library": str(library.root)}
    try:
        if library.catalog_on_server:
            _pg_dump(library.catalog_url, fresh / PG_DUMP)
            _fsync(fresh / PG_DUMP)
            manifest.update(backend="postgresql", **_pg_counts())
        else:
            copy_database(library.catalog_path, fresh / CATALOG)
            ok, message = verify(fresh / CATALOG)
            if not ok:
                raise SnapshotError(f"the catalogue copy failed its check: {message}")
            _fsync(fresh / CATALOG)
            manifest.update(backend="sqlite", **_counts(fresh / CATALOG))
        if settings_file is not None and settings_file.is_file():
            shutil.copy2(settings_file, fresh / SETTINGS)
        (fresh / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync(fresh / MANIFEST)
    except (sqlite3.Error, OSError) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise SnapshotError(f"could not copy the catalogue: {exc}") from exc
    except SnapshotError:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = stage.with_name(stage.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if stage.exists():
        os.replace(stage, old)
    os.replace(fresh, stage)
    shutil.rmtree(old, ignore_errors=True)
    return manifest
