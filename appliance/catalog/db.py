"""The connection layer: one :class:`Catalog`, opened from a URL, owns the connection,
transactions, schema migrations, the integrity check and backups.

``sqlite:///<library>/catalog.db`` (the default) is the appliance's own file; a
``postgresql://user:password@host:port/name`` URL puts the catalogue on a PostgreSQL server
so ``shoebox worker`` processes on other machines share it (and no catalog.db is created).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import peewee as pw

from appliance import library as library_layout
from appliance.catalog.file_guard import check_catalog_location
from appliance.catalog.migrations import migrate
from appliance.catalog.models import ALL_MODELS, database_proxy

log = logging.getLogger(__name__)

# WAL lets the web process read while the daemon writes. FULL makes every commit durable
# before it returns: the import places a file in originals/ right after committing its row,
# and NORMAL lost such rows in a power cut (seen in the VM's hard reset) while the placed
# file survived, so the redone job stored the photo twice. One fsync per commit.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "cache_size": -8000,
}

# pg_advisory_xact_lock key of "the catalogue's writer" (any constant; "SHOE" in ASCII).
WRITE_LOCK_KEY = 0x53484F45
_skip_write_lock: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "skip_write_lock", default=False
)


PG_SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"


class CatalogError(RuntimeError):
    """The catalog cannot be opened safely."""


class PostgresCatalogDatabase(pw.PostgresqlDatabase):
    """PostgreSQL with SQLite's writer discipline: every transaction begins by taking one
    transaction-scoped advisory lock, as ``BEGIN IMMEDIATE`` takes SQLite's write lock.

    The catalogue's code reads before it writes (a content already known? a label that
    exists?); one writer transaction at a time keeps those read-then-write steps correct
    when several processes on several machines commit. Statements outside a transaction
    and transactions inside :func:`without_write_lock` (the job queue's claims, which use
    ``FOR UPDATE SKIP LOCKED`` instead) do not wait for it."""

    # FloatField is REAL (4 bytes) in Peewee's PostgreSQL mapping: too coarse for file times
    # and GPS positions, which SQLite keeps as 8-byte REALs
    field_types = {**pw.PostgresqlDatabase.field_types, "FLOAT": "DOUBLE PRECISION"}

    def begin(self, *args: Any, **kwargs: Any) -> None:
        super().begin(*args, **kwargs)
        if not _skip_write_lock.get():
            self.cursor().execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))


@contextlib.contextmanager
def without_write_lock() -> Iterator[None]:
    """Transactions begun inside do not take the catalogue's writer lock (PostgreSQL)."""
    token = _skip_write_lock.set(True)
    try:
        yield
    finally:
        _skip_write_lock.reset(token)


def backend_of(url: str) -> str:
    """ "sqlite" or "postgresql" for a catalogue URL; anything else is refused."""
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    raise CatalogError(f"catalog_url {url!r}: use sqlite:///path or postgresql://host/name")


def sqlite_path_of(url: str) -> Path:
    """The file of a ``sqlite:///`` URL (``sqlite:////abs/path`` or ``sqlite:///rel``)."""
    path = url.split("://", 1)[1]
    return Path(unquote(path[1:] if path.startswith("/") else path))


def url_of(target: str | Path) -> str:
    """A URL for a URL or a catalogue file path."""
    if isinstance(target, Path):
        return library_layout.default_catalog_url(target)
    return target


def _postgres(url: str) -> PostgresCatalogDatabase:
    parts = urlsplit(url)
    options: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.hostname:
        # host=/run/postgresql (a socket folder) may also come as ?host=...
        options["host"] = unquote(parts.hostname)
    if parts.port:
        options["port"] = parts.port
    if parts.username:
        options["user"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    options.setdefault("application_name", f"shoebox-{os.getpid()}")
    # the catalogue's queries are short (a page of 61, a look-up): compiling them (JIT, ~30
    # ms) or starting parallel workers costs more than it saves; a URL's own options win
    options.setdefault("options", PG_SESSION_OPTIONS)
    return PostgresCatalogDatabase(unquote(parts.path.lstrip("/")), **options)


def _sqlite(path: Path, readonly: bool) -> pw.SqliteDatabase:
    if readonly:
        return pw.SqliteDatabase(
            f"file:{path}?mode=ro",
            uri=True,
            pragmas={"busy_timeout": PRAGMAS["busy_timeout"], "query_only": 1},
            check_same_thread=False,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    problem = check_catalog_location(path)
    if problem:
        raise CatalogError(problem)
    # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE). The daemon,
    # the web process and the CLI all read before they write (duplicate checks, clustering,
    # setup); a deferred transaction whose snapshot went stale would fail at its first write
    # with "database is locked" whatever the busy timeout, where an immediate one waits.
    return pw.SqliteDatabase(
        str(path), pragmas=PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE"
    )


class Catalog:
    """The catalogue behind one URL. Opening binds the models to it (one catalogue per
    process); attributes not defined here (``atomic``, ``execute_sql`` ...) are the
    database's."""

    def __init__(self, url: str, db: pw.Database) -> None:
        self.url = url
        self.db = db
        self.backend = backend_of(url)

    @classmethod
    def open(cls, target: str | Path, readonly: bool = False, upgrade: bool = True) -> Catalog:
        """Connect, bind the models and (unless ``readonly``) bring the schema up to date."""
        url = url_of(target)
        if backend_of(url) == "sqlite":
            db: pw.Database = _sqlite(sqlite_path_of(url), readonly)
        else:
            db = _postgres(url)
        database_proxy.initialize(db)
        try:
            db.connect(reuse_if_open=True)
        except pw.OperationalError as exc:
            raise CatalogError(f"cannot open the catalogue at {safe_url(url)}: {exc}") from exc
        if readonly and isinstance(db, PostgresCatalogDatabase):
            db.execute_sql("SET default_transaction_read_only = on")
        if upgrade and not readonly:
            migrate(db)
        return cls(url, db)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    @property
    def shared(self) -> bool:
        """Can other machines write this catalogue (PostgreSQL)?"""
        return self.backend == "postgresql"

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_path_of(self.url) if self.backend == "sqlite" else None

    def integrity(self) -> tuple[bool, str]:
        """(ok, first message). SQLite: ``PRAGMA integrity_check``. PostgreSQL keeps its own
        pages (checksums, WAL); what Shoebox can check honestly there is that every table of
        the schema exists and that the server counted no checksum failure in this database."""
        if self.backend == "sqlite":
            return integrity_ok(self.db)
        missing = [m._meta.table_name for m in ALL_MODELS if not m.table_exists()]
        if missing:
            return False, f"missing tables: {', '.join(missing)}"
        row = self.db.execute_sql(
            "SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        failures = row[0] if row else None
        if failures:
            return False, f"PostgreSQL counted {failures} checksum failures in this database"
        return True, "ok"

    def backup_daily(self, backup_dir: Path) -> Path | None:
        """SQLite: a verified daily backup into ``backup_dir``. PostgreSQL: backups are the
        server's job (pg_dump, pg_basebackup); nothing is written here."""
        if self.backend != "sqlite":
            return None
        return backup_daily(sqlite_path_of(self.url), backup_dir)

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def connect(target: str | Path) -> pw.Database:
    """Open (creating if needed) the catalogue, bind the models and bring it up to date."""
    return Catalog.open(target).db


def connect_readonly(target: str | Path) -> pw.Database:
    """Bind the models to a read-only connection (worker processes, status readers)."""
    return Catalog.open(target, readonly=True).db


def integrity_ok(db: pw.SqliteDatabase) -> tuple[bool, str]:
    """Run PRAGMA integrity_check (SQLite); return (ok, first message)."""
    rows = db.execute_sql("PRAGMA integrity_check").fetchall()
    message = "; ".join(str(r[0]) for r in rows[:5])
    return message == "ok", message


def open_catalog(target: str | Path, backup_dir: Path | None = None, check: bool = True) -> Catalog:
    """Open, verify integrity, and keep a rolling daily backup when ``backup_dir`` is set."""
    catalog = Catalog.open(target)
    if check:
        ok, message = catalog.integrity()
        if not ok:
            raise CatalogError(
                f"catalog {safe_url(catalog.url)} failed its integrity check ({message}); "
                f"restore the newest file from {backup_dir or 'the backups folder'}"
            )
    if backup_dir is not None:
        catalog.backup_daily(backup_dir)
    return catalog


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
