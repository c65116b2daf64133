"""The few SQL spellings that differ between the catalogue's two backends, in one place."""

from __future__ import annotations

import peewee as pw

from appliance.catalog.models import database_proxy


def is_postgres(db: pw.Database | None = None) -> bool:
    """Is ``db`` (default: the bound catalogue; a model's ``_meta.database`` is the proxy,
    looked through) a PostgreSQL database?"""
    target = db if db is not None else database_proxy.obj
    if isinstance(target, pw.DatabaseProxy):
        target = target.obj
    return isinstance(target, pw.PostgresqlDatabase)


def byte_order(field: pw.Field) -> pw.Node:
    """``field`` compared in code-point (UTF-8 byte) order: SQLite's BINARY collation;
    PostgreSQL's ``"C"`` (the database's own collation may be linguistic)."""
    return field.collate('"C"') if is_postgres() else field


def create_backend_indexes(db: pw.Database) -> None:
    """Indexes one backend needs and the models cannot declare: on PostgreSQL the
    location paths in "C" order, for the folder-prefix ranges of `byte_order`."""
    if is_postgres(db):
        db.execute_sql('CREATE INDEX IF NOT EXISTS location_path_c ON location (path COLLATE "C")')


def month_day_sql(db: pw.Database | None = None) -> str:
    """``'MM-DD'`` of ``sort_time``, spelt the same way in the index and the query (an
    expression index is used only for the identical expression; PostgreSQL's ``to_char``
    is not immutable, so the parts are put together by hand)."""
    if is_postgres(db):
        return (
            "(lpad(date_part('month', sort_time)::int::text, 2, '0') || '-' || "
            "lpad(date_part('day', sort_time)::int::text, 2, '0'))"
        )
    return "substr(sort_time, 6, 5)"


def utc_now_plus_sql(seconds: int, db: pw.Database | None = None) -> str:
    """The UTC wall time ``seconds`` from now, as the naive timestamps the catalogue keeps."""
    if is_postgres(db):
        return f"(timezone('utc', now()) + interval '{int(seconds)} seconds')"
    return f"datetime('now', '+{int(seconds)} seconds')"


def executemany(db: pw.Database, sql: str, rows: list[tuple]) -> None:
    """Run one statement (written with ``?`` marks) for many rows, past the query builder."""
    if rows:
        db.cursor().executemany(sql.replace("?", db.param), rows)


def sync_id_sequence(db: pw.Database, model: type[pw.Model]) -> None:
    """After rows were inserted with explicit ids: move PostgreSQL's id sequence past them
    (SQLite's next rowid is always max + 1)."""
    if is_postgres(db):
        table = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def data_version(db: pw.Database) -> tuple:
    """A value that changes whenever the catalogue may have changed. SQLite: the
    connection's ``data_version`` (other connections' commits) and ``total_changes`` (its
    own). PostgreSQL: the server's WAL insert position, which moves on every write (to any
    table: conservative, never stale)."""
    if is_postgres(db):
        return (db.execute_sql("SELECT pg_current_wal_insert_lsn()").fetchone()[0],)
    conn = db.connection()
    return (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
