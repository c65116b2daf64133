"""Opening the catalog: SQLite pragmas, schema migrations, integrity check, backups."""

from __future__ import annotations

import logging
from pathlib import Path

import peewee as pw

from appliance.catalog.migrations import migrate
from appliance.catalog.models import database_proxy

log = logging.getLogger(__name__)

# WAL lets the web process read while the daemon writes; NORMAL is durable across power cuts
# in WAL mode except for the last transactions, which the job queue redoes.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "cache_size": -8000,
}


class CatalogError(RuntimeError):
    """The catalog cannot be opened safely."""


def connect(path: Path) -> pw.SqliteDatabase:
    """Open (creating if needed) the SQLite catalog, bind the models and bring it up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE). The daemon,
    # the web process and the CLI all read before they write (duplicate checks, clustering,
    # setup); a deferred transaction whose snapshot went stale would fail at its first write
    # with "database is locked" whatever the busy timeout, where an immediate one waits.
    db = pw.SqliteDatabase(
        str(path), pragmas=PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE"
    )
    database_proxy.initialize(db)
    db.connect(reuse_if_open=True)
    migrate(db)
    return db


def connect_readonly(path: Path) -> pw.SqliteDatabase:
    """Bind the models to a read-only connection (worker processes, status readers)."""
    db = pw.SqliteDatabase(
        f"file:{path}?mode=ro",
        uri=True,
        pragmas={"busy_timeout": PRAGMAS["busy_timeout"], "query_only": 1},
        check_same_thread=False,
    )
    database_proxy.initialize(db)
    db.connect(reuse_if_open=True)
    return db


def integrity_ok(db: pw.SqliteDatabase) -> tuple[bool, str]:
    """Run PRAGMA integrity_check; return (ok, first message)."""
    rows = db.execute_sql("PRAGMA integrity_check").fetchall()
    message = "; ".join(str(r[0]) for r in rows[:5])
    return message == "ok", message


def open_catalog(
    path: Path, backup_dir: Path | None = None, check: bool = True
) -> pw.SqliteDatabase:
    """Connect, verify integrity, and keep a rolling daily backup when ``backup_dir`` is set."""
    db = connect(path)
    if check:
        ok, message = integrity_ok(db)
        if not ok:
            raise CatalogError(
                f"catalog {path} failed its integrity check ({message}); "
                f"restore the newest file from {backup_dir or 'the backups folder'}"
            )
    if backup_dir is not None:
        backup_daily(path, backup_dir)
    return db


def backup_daily(path: Path, backup_dir: Path) -> Path | None:
    """Take a verified backup unless one was taken today (see `catalog.backups`)."""
    from appliance.catalog.backups import BackupError, BackupSchedule

    schedule = BackupSchedule(path, backup_dir)
    if schedule.due() is None:
        return None
    try:
        backup = schedule.run_if_due()
    except BackupError as exc:  # pragma: no cover - run_if_due logs instead of raising
        log.error("%s", exc)
        return None
    return backup.path if backup else None
