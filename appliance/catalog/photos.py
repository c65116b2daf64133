"""Single photos for the web and the CLI: visibility lookups and the favourite/archive flags.

Every lookup here raises :class:`PhotoNotFound` (404) instead of returning a row the
caller then has to check, so the web layer never builds a photo condition itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import peewee as pw

from appliance.catalog import edits, photo_edits, private, stacks
from appliance.catalog.connection_cache import ConnectionCache
from appliance.catalog.edits import PhotoNotFound
from appliance.catalog.models import Photo, User, database_proxy
from appliance.errors import BadRequest

FLAGS = ("favorite", "archived")


def _ok() -> pw.Expression:
    return Photo.status == "ok"


def visible_photo(photo_id: int) -> Photo:
    """A catalogued photo that is not in the trash (what the viewer and the API show)."""
    photo = Photo.get_or_none((Photo.id == photo_id) & _ok() & Photo.trashed_at.is_null())
    if photo is None:
        raise PhotoNotFound(f"no photo {photo_id}")
    return photo


def trashable_photo(photo_id: int) -> Photo:
    """A catalogued photo that can go to the trash (not there already)."""
    photo = Photo.get_or_none((Photo.id == photo_id) & _ok())
    if photo is None or photo.trashed_at is not None:
        raise PhotoNotFound(f"no photo {photo_id}")
    return photo


def trashed_photo(photo_id: int) -> Photo:
    """A catalogued photo in the trash (the trash's viewer)."""
    photo = Photo.get_or_none((Photo.id == photo_id) & _ok() & Photo.trashed_at.is_null(False))
    if photo is None:
        raise PhotoNotFound(f"no photo {photo_id} in the trash")
    return photo


def existing_ids(photo_ids: Iterable[int]) -> list[int]:
    """Which of ``photo_ids`` are catalogued photos (status ok)."""
    ids = list(photo_ids)
    return [p.id for p in Photo.select(Photo.id).where(Photo.id.in_(ids) & _ok())]


def photos_by_id(photo_ids: Iterable[int]) -> dict[int, Photo]:
    ids = list(photo_ids)
    return {p.id: p for p in Photo.select().where(Photo.id.in_(ids))}


def owners(photo_ids: Iterable[int]) -> dict[int, int | None]:
    """Each existing photo's owner (users.id; None: the family's)."""
    rows = Photo.select(Photo.id, Photo.owner_id).where(Photo.id.in_(list(photo_ids)))
    return {p.id: p.owner_id for p in rows}


def primary_shas(photo_ids: Iterable[int]) -> dict[int, str]:
    """Photo id -> content hash of its primary file (its thumbnails' name)."""
    ids = list(photo_ids)
    return dict(Photo.select(Photo.id, Photo.primary_sha256).where(Photo.id.in_(ids)).tuples())


def has_thumbnail(sha256: str) -> bool:
    """Is ``sha256`` the primary file of a catalogued photo (may its thumbnail be served)?
    Found by the checksum's index alone, the status checked on the row or two it gives:
    with ``status`` in the WHERE, SQLite without statistics walked the status index instead
    (32 ms a thumbnail at 100,000 photos instead of 0.1 ms; BENCHMARKS.md)."""
    return any(status == "ok" for (status,) in thumbnail_rows(sha256).tuples())


def thumbnail_rows(sha256: str) -> pw.ModelSelect:
    """The status of each photo whose thumbnails ``sha256`` names (by its index)."""
    return Photo.select(Photo.status).where(Photo.primary_sha256 == sha256)


def place_of(photo_id: int) -> dict[str, Any] | None:
    """The photo's place names, or None when it has no place."""
    photo = Photo.get_by_id(photo_id)
    if not photo.place_country_code:
        return None
    return {k: getattr(photo, f"place_{k}") for k in ("country_code", "country", "region", "city")}


def trashed_count() -> int:
    return Photo.select().where(Photo.trashed_at.is_null(False) & _ok()).count()


_SUMMARIES: ConnectionCache[dict[str, int]] = ConnectionCache()


def library_summary() -> dict[str, int]:
    """The library in the numbers every page uses: ``photos`` (catalogued and not in the
    trash, archived included: what the library holds), of them ``archived``; ``trashed``;
    ``unreadable`` (files recorded with the reason they could not be read). Counted again
    only when the catalogue changed (the status page asks every 2 s)."""
    return _SUMMARIES.get("summary", _count_library)


def _count_library() -> dict[str, int]:
    live = _ok() & Photo.trashed_at.is_null()
    return {
        "photos": Photo.select().where(live).count(),
        "archived": Photo.select().where(live & (Photo.archived == True)).count(),  # noqa: E712
        "trashed": Photo.select().where(_ok() & Photo.trashed_at.is_null(False)).count(),
        "unreadable": Photo.select().where(Photo.status == "error").count(),
    }


def photos_after(photo_id: int) -> int:
    """Photos catalogued after the one with ``photo_id`` (ids only grow)."""
    return Photo.select().where(Photo.id > photo_id).count()


def library_counts() -> dict[str, int]:
    """Photos, the newest photo id and users: what a library backup's manifest records."""
    newest = Photo.select(pw.fn.COALESCE(pw.fn.MAX(Photo.id), 0)).scalar() or 0
    return {
        "photos": Photo.select().count(),
        "max_photo_id": int(newest),
        "users": User.select().count(),
    }


def in_stack(photo_id: int, stack_id: int) -> bool:
    return Photo.select().where((Photo.id == photo_id) & (Photo.stack_id == stack_id)).exists()


def set_flags(photo_ids: Iterable[int], changes: dict[str, bool]) -> int:
    """Set favourite and/or archived on photos; returns how many rows changed."""
    ids = list(photo_ids)
    if not ids:
        return 0
    unknown = set(changes) - set(FLAGS)
    if unknown:
        raise ValueError(f"not a photo flag: {', '.join(sorted(unknown))}")
    with database_proxy.atomic():
        updated = Photo.update(**changes).where(Photo.id.in_(ids)).execute()
        if "archived" in changes:  # a stack shows a photo that is not archived
            stacks.refresh_stacks(
                s for (s,) in Photo.select(Photo.stack_id).where(Photo.id.in_(ids)).tuples() if s
            )
    return updated


def shareable() -> pw.Expression:
    """The photos a share link may show: catalogued fine, not archived, not in the trash
    (``photo.trashed_at``); every share route follows this condition."""
    not_archived = Photo.archived == False  # noqa: E712
    return _ok() & not_archived & Photo.trashed_at.is_null(True) & private.not_private()


def update_photo(photo_id: int, data: dict[str, Any], by: int | None = None) -> int:
    """The API's PATCH of one photo: edits (date, place, text), flags and ``private`` in
    ONE transaction, so a refused part undoes the others. Returns the rows updated."""
    flags = {k: data[k] for k in FLAGS if k in data}
    with database_proxy.atomic():
        edited = edits.apply_edits(photo_id, data)
        if "edits" in data:  # the picture's edit (rotate, crop, light), or null: revert
            photo_edits.set_edits(photo_id, data["edits"])
            edited = True
        if "private" in data:
            private.set_private(photo_id, bool(data["private"]), by)
        elif not flags and not edited:
            raise BadRequest("send favorite and/or archived as true or false")
        return set_flags([photo_id], flags) if flags else 1
