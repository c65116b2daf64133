"""Is there a usable catalog? "Originals but no usable catalog" is a lost catalog, never a
new library: setup stays closed and the way back is `shoebox restore` or `shoebox rebuild`.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from appliance.catalog.backups import list_backups, photo_count
from appliance.config import Settings
from appliance.library import Library

WAY_BACK = (
    "restore the newest backup with `shoebox restore`, or re-catalogue every file under "
    "originals/ with `shoebox rebuild`"
)


_NOTHING_YET = ("catalog.db is missing", "catalog.db is empty", "catalog.db holds no")


class CatalogLost(RuntimeError):
    """Raised where a lost catalog would otherwise be replaced by a new, empty one."""


@dataclass(frozen=True)
class CatalogHealth:
    state: str  # "ok", "new" (nothing yet) or "lost"
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state != "lost"

    @property
    def message(self) -> str:
        return f"the catalog is lost: {self.reason}. Nothing was changed; {WAY_BACK}."


def has_originals(library: Library) -> bool:
    """Does originals/ hold any file (leftovers in .incoming do not count)?"""
    if not library.originals.is_dir():
        return False
    for _folder, dirs, files in os.walk(library.originals):
        dirs[:] = [d for d in dirs if d != ".incoming"]
        if files:
            return True
    return False


def _catalog_problem(path: Path) -> str | None:
    """Why the catalog file is unusable, None when it opens and holds photos.

    Only SQLite opens the file: a plain ``open()``/``close()`` of ``catalog.db`` in a
    process that holds SQLite connections cancels that process's POSIX locks, and another
    process may then checkpoint and delete the WAL still being written (SQLite's "How To
    Corrupt", 2.2.1). ``stat`` opens nothing; SQLite itself reports a damaged header."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "catalog.db is missing"
    except OSError as exc:
        return f"catalog.db cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "catalog.db is empty (0 bytes)"
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
        try:
            check = con.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                return f"catalog.db is damaged ({check[0] if check else 'no answer'})"
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            if "photo" not in tables:
                return "catalog.db holds no photo table"
            if con.execute("SELECT COUNT(*) FROM photo").fetchone()[0] == 0:
                return "catalog.db holds no photos"
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return "catalog.db is not an SQLite database (damaged header)"
        return f"catalog.db cannot be opened ({exc})"
    return None


def _backups_hold_photos(library: Library) -> bool:
    for backup in list_backups(library.backups)[:3]:
        try:
            if photo_count(backup.path) > 0:
                return True
        except sqlite3.Error:
            continue
    return False


def check_catalog(library: Library) -> CatalogHealth:
    """ "ok" (usable), "new" (no library yet) or "lost" (photos or backups exist, but the
    catalog is missing, empty, damaged or holds no photos). A catalogue on a database
    server is the server's to keep: it is "ok" here, and opening it says if it is not."""
    if library.catalog_on_server:
        return CatalogHealth("ok")
    problem = _catalog_problem(library.catalog_path)
    if problem is None:
        return CatalogHealth("ok")
    originals = has_originals(library)
    if not originals and not _backups_hold_photos(library):
        if problem.startswith(_NOTHING_YET):
            return CatalogHealth("new")
        return CatalogHealth("lost", problem)  # a damaged file is never silently replaced
    where = "originals/ holds photos" if originals else "the backups hold photos"
    return CatalogHealth("lost", f"{problem}, but {where}")


def require_usable(library: Library) -> None:
    """Raise :class:`CatalogLost` (with the way back) when the catalog is lost."""
    health = check_catalog(library)
    if not health.ok:
        raise CatalogLost(health.message)


def library_usable(settings: Settings) -> bool:
    """For commands: False (with the explanation on stderr) when the catalog is lost."""
    library = Library(Path(settings.library_root), settings.catalog_url)
    health = check_catalog(library)
    if not health.ok:
        print(f"shoebox: {health.message}", file=sys.stderr)
    return health.ok
