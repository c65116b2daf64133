"""Catalog backups: SQLite online backups, verified, kept 7 daily + 4 weekly.

A backup is written to ``backups/.catalog-YYYYMMDD-HHMMSS.db.<pid>.partial`` (one per
writing process) with SQLite's online backup API (consistent while the service writes),
checked with ``PRAGMA integrity_check`` and only then renamed into place; older backups
are pruned only after a new one verified.
The service takes one after import batches that changed something (at most hourly) and
one a night; `shoebox backup` takes one on demand; `shoebox restore` puts one back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from appliance.processes import pid_alive

log = logging.getLogger(__name__)

KEEP_DAILY = 7
KEEP_WEEKLY = 4
CHANGE_INTERVAL = 3600.0  # seconds: at most one backup an hour after changes
_NAME = re.compile(r"^catalog-(\d{8}-\d{6}|\d{4}-\d{2}-\d{2})\.db$")


class BackupError(RuntimeError):
    """A backup could not be taken or verified (the older backups are untouched)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: dt.datetime  # local time

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.taken.timestamp())


def _taken(path: Path) -> dt.datetime | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    stamp = match.group(1)
    fmt = "%Y%m%d-%H%M%S" if "-" in stamp and len(stamp) == 15 else "%Y-%m-%d"
    return dt.datetime.strptime(stamp, fmt)


def list_backups(backup_dir: Path) -> list[Backup]:
    """Backups in ``backup_dir``, newest first."""
    if not backup_dir.is_dir():
        return []
    found = [Backup(p, t) for p in backup_dir.iterdir() if (t := _taken(p)) is not None]
    return sorted(found, key=lambda b: b.taken, reverse=True)


def verify(path: Path) -> tuple[bool, str]:
    """Is ``path`` a sound catalog? (integrity_check passes and it has the photo table)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
            message = "; ".join(str(r[0]) for r in rows[:3])
            if message != "ok":
                return False, message
            photos = con.execute("SELECT COUNT(*) FROM photo").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return False, str(exc)
    return True, f"ok, {photos} photos"


def photo_count(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT COUNT(*) FROM photo").fetchone()[0])
    finally:
        con.close()


def copy_database(source_path: Path, target: Path) -> None:
    """Copy an SQLite database with SQLite's online backup (consistent while others write)
    into ``target``, one self-contained file. Raises sqlite3.Error."""
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        source.close()


def take_backup(catalog: Path, backup_dir: Path, now: dt.datetime | None = None) -> Backup:
    """Back up ``catalog`` now; verify it; then prune. Raises :class:`BackupError`."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    if not catalog.is_file():  # a pulled library disk: make no backup folder in its place
        raise BackupError(f"backup of {catalog} failed: there is no catalogue there")
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / f"catalog-{now:%Y%m%d-%H%M%S}.db"
    # this process's own partial file: a `shoebox backup` beside the service may back up
    # in the same second (the torture test caught two writers sharing one name)
    partial = backup_dir / f".{target.name}.{os.getpid()}.partial"
    partial.unlink(missing_ok=True)
    try:
        copy_database(catalog, partial)
        ok, message = verify(partial)
        if not ok:
            raise BackupError(f"the new backup failed its check ({message}); older ones kept")
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup of {catalog} failed: {exc}") from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    prune(backup_dir)
    log.info("catalog backed up to %s (%s)", target, message)
    return Backup(target, now)


def prune(backup_dir: Path, daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY) -> list[Path]:
    """Keep the newest backup of each of the last ``daily`` days and of each of the last
    ``weekly`` ISO weeks (always the newest one); delete the rest. Returns what was deleted."""
    backups = list_backups(backup_dir)
    keep: set[Path] = {backups[0].path} if backups else set()
    days: dict[dt.date, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    for backup in backups:  # newest first: the first seen of a day/week is its newest
        days.setdefault(backup.taken.date(), backup.path)
        weeks.setdefault(backup.taken.isocalendar()[:2], backup.path)
    keep.update(list(days.values())[:daily])
    keep.update(list(weeks.values())[:weekly])
    deleted = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            deleted.append(backup.path)
    return deleted


_PARTIAL = re.compile(r"\.(?P<pid>\d+)\.partial")


def remove_partials(backup_dir: Path) -> int:
    """Delete what an interrupted backup left (``*.partial`` and its journal), but not the
    partial file of a backup another live process is writing now (its pid is in the name;
    older names without one are always stale)."""
    if not backup_dir.is_dir():
        return 0
    stale = []
    for path in backup_dir.iterdir():
        if ".partial" not in path.name:
            continue
        writer = _PARTIAL.search(path.name)
        pid = int(writer["pid"]) if writer is not None else 0
        if pid != os.getpid() and pid_alive(pid):  # this process writes none while it sweeps
            continue
        stale.append(path)
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def newest_good_backup(backup_dir: Path) -> Backup | None:
    """The newest backup that passes :func:`verify`."""
    for backup in list_backups(backup_dir):
        if verify(backup.path)[0]:
            return backup
    return None


class BackupSchedule:
    """When the service backs up: after changing batches (at most every
    ``CHANGE_INTERVAL``) and once a night (the first check on a new day)."""

    def __init__(self, catalog: Path, backup_dir: Path, interval: float = CHANGE_INTERVAL):
        self.catalog, self.backup_dir, self.interval = catalog, backup_dir, interval
        self.changed = False
        self.quiet_until: dt.datetime | None = None  # an empty catalog was seen: wait a bit
        remove_partials(backup_dir)
        newest = list_backups(backup_dir)
        self.last: dt.datetime | None = newest[0].taken if newest else None

    def note_change(self) -> None:
        self.changed = True

    def _backed_up_on(self, day: dt.date) -> bool:
        return self.last is not None and self.last.date() >= day

    def _see_others_backups(self) -> None:
        """Another process may have backed up since (``open_catalog`` of an import command
        takes the day's backup): count its backup, so the service takes no second one."""
        newest = list_backups(self.backup_dir)
        if newest and (self.last is None or newest[0].taken > self.last):
            self.last = newest[0].taken

    def due(self, now: dt.datetime | None = None) -> str | None:
        """Why a backup is due now ("changes", "nightly"), or None."""
        now = now or dt.datetime.now()
        if self.quiet_until is not None and now < self.quiet_until and not self.changed:
            return None
        if not self._backed_up_on(now.date()):
            self._see_others_backups()
            if not self._backed_up_on(now.date()):
                return "nightly"
        if self.changed and (now - self.last).total_seconds() >= self.interval:
            return "changes"
        return None

    def run_if_due(self, now: dt.datetime | None = None) -> Backup | None:
        """Take a backup when one is due; a failure is logged, never raised."""
        now = now or dt.datetime.now()
        reason = self.due(now)
        if reason is None:
            return None
        try:
            empty = photo_count(self.catalog) == 0
        except sqlite3.Error:
            empty = False  # let take_backup report what is wrong
        if empty:  # never let a backup of nothing push a real one out
            self.quiet_until, self.changed = now + dt.timedelta(minutes=1), False
            return None
        try:
            backup = take_backup(self.catalog, self.backup_dir, now)
        except BackupError as exc:
            log.error("%s", exc)
            self.last = now  # retry at the next interval, not in a tight loop
            return None
        self.last, self.changed = backup.taken, False
        log.info("%s backup taken: %s", reason, backup.path.name)
        return backup


def set_aside(catalog: Path, label: str, now: dt.datetime | None = None) -> Path | None:
    """Rename ``catalog`` (and its -wal/-shm files) to ``catalog.db.<label>-<time>``, never
    deleting anything; return the new name (None when there was no catalog)."""
    stamp = f"{(now or dt.datetime.now()):%Y%m%d-%H%M%S}"
    aside = catalog.with_name(f"{catalog.name}.{label}-{stamp}")
    existed = catalog.exists()
    if existed:
        os.replace(catalog, aside)
    # a WAL is set aside with its database, never deleted: it may hold commits (a "hot"
    # journal); without its database it is kept beside where the database would be
    for suffix in ("-wal", "-journal", "-shm"):
        extra = Path(f"{catalog}{suffix}")
        if extra.exists():
            os.replace(extra, Path(f"{aside}{suffix}"))
    return aside if existed else None


def restore_backup(backup: Path, catalog: Path) -> Path | None:
    """Put a verified ``backup`` in place of ``catalog``; the current catalog is set aside
    (returned), never deleted. Raises :class:`BackupError` for a backup that fails its check.
    The caller makes sure no service is running."""
    ok, message = verify(backup)
    if not ok:
        raise BackupError(f"{backup} failed its check ({message}); nothing was changed")
    partial = catalog.with_name(catalog.name + ".restoring")
    partial.unlink(missing_ok=True)
    try:
        copy_database(backup, partial)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"could not copy {backup}: {exc}; nothing was changed") from exc
    aside = set_aside(catalog, "replaced")
    os.replace(partial, catalog)
    return aside
