"""Recently added: the photos in the order they came into the library (not the order they
were taken), each with where it came from, in words: a member's upload or phone, a card or
drive, a Google Takeout, the inbox folder, a folder imported or indexed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import peewee as pw

from appliance.catalog.models import File, Location, Photo, User
from appliance.catalog.private import not_private
from appliance.catalog.queries import (
    PHOTO_COLUMNS,
    decode_cursor,
    encode_cursor,
    photo_summary,
)

PAGE_SIZE = 60
MAX_PAGE_SIZE = 200
MOUNT_ROOTS = ("/media", "/mnt", "/run/media")


@dataclass
class RecentPage:
    items: list[dict[str, Any]]  # photo summaries with "added_at" and "source"
    next_cursor: str | None


def _mount_name(path: PurePosixPath) -> str | None:
    """The drive's name in a path under /media/<name>, /mnt/<name>, /run/media/<user>/<name>."""
    text = str(path)
    for root in MOUNT_ROOTS:
        if text.startswith(root + "/"):
            parts = PurePosixPath(text[len(root) + 1 :]).parts
            depth = 1 if root == "/run/media" else 0
            return parts[depth] if len(parts) > depth + 1 else None
    return None


def describe_source(source: str | None, path: str | None, owner: str | None) -> str:
    """Where a photo came from, as the family says it."""
    where = PurePosixPath(path) if path else None
    if source == "upload":
        return f"Uploaded by {owner}" if owner else "Uploaded in the browser"
    if source == "phone":
        return f"From {owner}'s phone" if owner else "From a phone"
    if source == "takeout":
        return "From Google Takeout"
    if source == "icloud":
        return "From iCloud"
    if source == "volume":
        name = _mount_name(where) if where else None
        if name:
            return f"From the card or drive “{name}”"
        if where and "staging" in where.parts:  # a camera or phone over USB (gphoto2)
            return "From a camera or phone plugged in"
        return "From a card or drive"
    if source == "inbox":
        return "From the inbox folder"
    folder = where.parent.name if where else ""
    return f"From the folder “{folder}”" if folder else "Added to the library"


def _sources(photo_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """Photo id -> (source, path) of the first place its original file was seen."""
    rows = (
        Location.select(File.photo, Location.source, Location.path)
        .join(File)
        .where(File.photo.in_(photo_ids) & (File.role == "original"))
        .order_by(Location.first_seen, Location.id)
        .tuples()
    )
    first: dict[int, tuple[str | None, str | None]] = {}
    for photo_id, source, path in rows:
        first.setdefault(photo_id, (source, str(path) if path is not None else None))
    return first


def recently_added(cursor: str | None = None, limit: int = PAGE_SIZE) -> RecentPage:
    """One page of the photos of the timeline (not archived, not in the trash), the last
    added first; ``next_cursor`` is None on the last page."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    select = Photo.select(*PHOTO_COLUMNS, Photo.created_at, Photo.owner_id).where(
        (Photo.status == "ok")
        & (Photo.archived == False)  # noqa: E712
        & Photo.trashed_at.is_null()  # noqa: E712
        & not_private()
    )
    if cursor:
        stamp, photo_id = decode_cursor(cursor)
        key = pw.Tuple(Photo.created_at, Photo.id)
        select = select.where(key < pw.Tuple(stamp, photo_id))
    rows = list(select.order_by(Photo.created_at.desc(), Photo.id.desc()).limit(limit + 1))
    more, rows = len(rows) > limit, rows[:limit]
    sources = _sources([p.id for p in rows])
    owners = {p.owner_id for p in rows if p.owner_id}
    names = dict(User.select(User.id, User.username).where(User.id.in_(list(owners))).tuples())
    items = []
    for photo in rows:
        source, path = sources.get(photo.id, (None, None))
        added: dt.datetime = photo.created_at
        items.append(
            photo_summary(photo)
            | {
                "added_at": added.isoformat(),
                "source": describe_source(source, path, names.get(photo.owner_id)),
            }
        )
    last = rows[-1] if more and rows else None
    return RecentPage(items, encode_cursor(last.created_at, last.id) if last else None)
