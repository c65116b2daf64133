"""A library back from a target: whole (into an empty folder) or some photos (one, a day).

A whole restore gives a library that `shoebox run` serves as it is: ``originals/`` with the
sidecars (and ``.trash/``), ``sidecars/``, and ``catalog.db`` put back from the staged copy
after SQLite's ``integrity_check``. A PostgreSQL catalogue comes back as a ``pg_dump`` file
to load with ``pg_restore`` (printed).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from appliance.catalog.backups import verify
from appliance.librarybackup.restic import Restic
from appliance.librarybackup.snapshot import CATALOG, MANIFEST, PG_DUMP, SETTINGS, STAGING
from appliance.librarybackup.targets import Target, TargetStore

ALLOWED_IN_EMPTY = {"lost+found"}  # a new ext4 disk is "empty" with this


class RestoreError(RuntimeError):
    """Nothing usable could be restored (the message says why)."""


def _empty(folder: Path) -> bool:
    """No file in ``folder`` (empty folders, as a prepared new library disk has, are fine)."""
    if not folder.exists():
        return True
    for entry in folder.iterdir():
        if entry.name in ALLOWED_IN_EMPTY:
            continue
        if not entry.is_dir() or entry.is_symlink():
            return False
        if any(not p.is_dir() for p in entry.rglob("*")):
            return False
    return True


def _stored_paths(catalog: Path) -> list[tuple[str, bool]]:
    """(stored path, trashed) of every imported file in a catalogue copy."""
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT f.stored_path, p.trashed_at IS NOT NULL FROM file f "
            "JOIN photo p ON p.id = f.photo_id WHERE f.stored_path IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    return [(str(path), bool(trashed)) for path, trashed in rows]


def restore_library(
    target: Target, store: TargetStore, dest: Path, snapshot: str = "latest"
) -> dict[str, Any]:
    """Restore the whole library into the empty folder ``dest``; returns what came back."""
    dest = dest.absolute()
    if not _empty(dest):
        raise RestoreError(f"{dest} is not empty: restore into an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    Restic(target, store).restore(snapshot, dest)
    staged = dest / STAGING
    try:
        manifest = json.loads((staged / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RestoreError(f"the snapshot {snapshot} holds no Shoebox catalogue") from exc
    report: dict[str, Any] = {"library": str(dest), "manifest": manifest, "missing": []}
    if (staged / SETTINGS).exists():
        report["settings"] = str(staged / SETTINGS)
    if (staged / CATALOG).exists():
        ok, message = verify(staged / CATALOG)
        if not ok:
            raise RestoreError(f"the restored catalogue failed its check: {message}")
        os.replace(staged / CATALOG, dest / "catalog.db")
        report["missing"] = _place_trashed(dest / "originals", _stored_paths(dest / "catalog.db"))
        report["catalog"] = str(dest / "catalog.db")
    elif (staged / PG_DUMP).exists():
        report["pg_dump"] = str(staged / PG_DUMP)
    files = sum(1 for p in (dest / "originals").rglob("*") if p.is_file())
    report["files"] = files
    return report


def _place_trashed(originals: Path, stored: list[tuple[str, bool]]) -> list[str]:
    """Put each file where the catalogue expects it (a photo trashed or restored between the
    catalogue snapshot and restic's scan lies on the other side); return the missing ones."""
    missing = []
    for path, trashed in stored:
        inside, aside = originals / path, originals / ".trash" / path
        expected, other = (aside, inside) if trashed else (inside, aside)
        if not expected.exists() and other.exists():
            expected.parent.mkdir(parents=True, exist_ok=True)
            os.replace(other, expected)
        if not expected.exists():
            missing.append(path)
    return missing


def _escape(path: str) -> str:
    """A path as a restic include pattern that matches only itself."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", path)


def _chosen_paths(catalog: Path, photo_ids: Iterable[int], day: str | None) -> list[str]:
    ids = sorted(set(photo_ids))
    where, args = [], []
    if ids:
        where.append(f"p.id IN ({','.join('?' * len(ids))})")
        args += ids
    if day:
        where.append("substr(COALESCE(p.taken_at, p.sort_time), 1, 10) = ?")
        args.append(day)
    if not where:
        return []
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT f.stored_path FROM file f JOIN photo p ON p.id = f.photo_id "
            f"WHERE f.stored_path IS NOT NULL AND ({' OR '.join(where)})",
            args,
        ).fetchall()
    finally:
        con.close()
    return sorted(str(r[0]) for r in rows)


def restore_some(
    target: Target,
    store: TargetStore,
    dest: Path,
    photo_ids: Iterable[int] = (),
    day: str | None = None,
    snapshot: str = "latest",
) -> list[str]:
    """Restore some photos (by id, or taken on ``day``, YYYY-MM-DD) with their sidecars into
    ``dest/originals/...``; returns their stored paths (relative to originals/)."""
    restic = Restic(target, store)
    with tempfile.TemporaryDirectory(prefix="shoebox-restore-") as tmp:
        copy = Path(tmp) / CATALOG
        restic.dump(snapshot, f"/{STAGING}/{CATALOG}", copy)
        ok, message = verify(copy)
        if not ok:
            raise RestoreError(f"the snapshot's catalogue failed its check: {message}")
        paths = _chosen_paths(copy, photo_ids, day)
    if not paths:
        raise RestoreError("no photo in the backup matches")
    includes = []
    for path in paths:
        for prefix in ("/originals/", "/originals/.trash/"):
            includes += [_escape(prefix + path), _escape(prefix + path + ".xmp")]
    dest.mkdir(parents=True, exist_ok=True)
    restic.restore(snapshot, dest, includes)
    return paths
