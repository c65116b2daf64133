"""Where the photos came from, by folder: the folders their files were seen in (an import's
source, the inbox, a card or drive, an indexed folder), each with its photo count and
newest photo, and the photos of one folder (not those of the folders below it).

A folder is a ``Location`` path without its last part, computed in SQL on both backends.
Only photos the family sees count: catalogued fine, not archived, not in the trash, not
private (`catalog.private`).
"""

from __future__ import annotations

from typing import Any

import peewee as pw
from peewee import fn

from appliance.catalog.dialect import is_postgres
from appliance.catalog.models import File, Location, Photo
from appliance.catalog.private import not_private

MAX_FOLDERS = 2000


def _folder_of(path: pw.Field) -> pw.Node:
    """The folder part of a path, without its trailing slash."""
    if is_postgres(Photo._meta.database):
        return fn.regexp_replace(path, "/[^/]*$", "")
    # SQLite: strip the characters of the last part (every character but "/"), then the "/"
    return fn.rtrim(fn.rtrim(path, fn.replace(path, "/", "")), "/")


def _shown() -> pw.Expression:
    return (
        (Photo.status == "ok")
        & (Photo.archived == False)  # noqa: E712
        & Photo.trashed_at.is_null()
        & not_private()
    )


def list_folders(limit: int = MAX_FOLDERS) -> list[dict[str, Any]]:
    """Folders with how many photos were seen there and the newest one's thumbnail key,
    by path."""
    folder = _folder_of(Location.path)
    rows = list(
        Location.select(
            folder.alias("folder"),
            fn.COUNT(fn.DISTINCT(Photo.id)).alias("n"),
            fn.MAX(Photo.id).alias("newest"),
        )
        .join(File)
        .join(Photo)
        .where(_shown())
        .group_by(folder)
        .order_by(folder)
        .limit(limit)
        .tuples()
    )
    newest = [r[2] for r in rows]
    covers = dict(Photo.select(Photo.id, Photo.primary_sha256).where(Photo.id.in_(newest)).tuples())
    return [{"path": path or "/", "count": n, "cover": covers.get(top)} for path, n, top in rows]


def in_folder(path: str) -> pw.Expression:
    """The photos with a file seen directly in folder ``path`` (for `queries.search_photos`)."""
    folder = path.rstrip("/") if path != "/" else ""
    seen = File.select(File.photo).join(Location).where(_folder_of(Location.path) == folder)
    return Photo.id.in_(seen)
