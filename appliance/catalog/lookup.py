"""Read-only questions the pipeline asks the catalog (safe from worker processes)."""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from appliance.catalog.dialect import byte_order
from appliance.catalog.fields import to_catalog
from appliance.catalog.models import File, Location


@dataclass(frozen=True)
class KnownFile:
    file_id: int
    stored: bool  # the library holds its own copy in originals/


def file_by_sha(sha256: str) -> KnownFile | None:
    """The file already holding this content, if any."""
    row = File.select(File.id, File.stored_path).where(File.sha256 == sha256).first()
    return None if row is None else KnownFile(row.id, row.stored_path is not None)


def stored_path_of(sha256: str) -> str | None:
    """The committed relative path in originals/ of a content, if any."""
    row = File.select(File.stored_path).where(File.sha256 == sha256).first()
    return None if row is None else row.stored_path


def is_unchanged(path: str, size: int, mtime: float) -> bool:
    """Was this path catalogued before with the same size and modification time?"""
    row = (
        Location.select(Location.size, Location.mtime, Location.missing)
        .where(Location.path == path)
        .first()
    )
    return (
        row is not None and not row.missing and row.size == size and abs(row.mtime - mtime) < 1e-6
    )


def is_stored_path_taken(relative: str) -> bool:
    return File.select().where(File.stored_path == relative).exists()


def file_is_stored(file_id: int) -> bool:
    """Does the library hold its own committed copy of this content?"""
    row = File.select(File.stored_path).where(File.id == file_id).first()
    return row is not None and row.stored_path is not None


def path_prefix(prefix: str) -> pw.Expression:
    """Locations whose path starts with ``prefix``, as a range the path index can serve
    (SQLite's LIKE is case-insensitive and would scan the whole table). The range is in
    code-point order on both backends (PostgreSQL: ``COLLATE "C"``, served by the
    location_path_c index)."""
    if not prefix:
        raise ValueError("empty path prefix")
    prefix = to_catalog(prefix)  # as stored (a COLLATE expression skips the field's mapping)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    path = byte_order(Location.path)
    return (path >= prefix) & (path < upper)
