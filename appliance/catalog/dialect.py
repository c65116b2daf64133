"""The few SQL spellings that differ between the catalogue's two backends, in one place."""

from __future__ import annotations

import peewee as pw

from appliance.catalog.models import database_proxy


def is_postgres(db: pw.Database | None = None) -> bool:
    """Is ``db`` (default: the bound catalogue) a PostgreSQL database?"""
    target = db if db is not None else database_proxy.obj
    return isinstance(target, pw.PostgresqlDatabase)


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
