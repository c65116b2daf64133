"""Live Photos: a still and a short movie that are ONE photo with two files.

Two files are halves of one Live Photo when Apple's ContentIdentifier matches (it is the
same in the HEIC/JPEG and in the MOV), or, without it, when they lie in the same folder with
the same stem (``IMG_4102.HEIC`` + ``IMG_4102.MOV``) and were taken within
:data:`MAX_APART` of each other. Whichever half arrives second joins the photo of the first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from appliance.catalog import lookup
from appliance.catalog.models import File, Location, Photo

MAX_APART = dt.timedelta(seconds=2)
STILL_KINDS = ("image",)


def content_id(metadata: Any) -> str | None:
    """Apple's ContentIdentifier from the metadata engine, when it read one."""
    value = getattr(metadata, "content_identifier", None) or getattr(metadata, "content_id", None)
    return str(value).strip() or None if value else None


def _half(kind: str) -> str | None:
    """What the other half of a Live Photo is: "video" for a still, "image" for a movie."""
    if kind == "video":
        return "image"
    if kind in STILL_KINDS:
        return "video"
    return None


def close_in_time(
    a: dt.datetime | None, a_offset: int | None, b: dt.datetime | None, b_offset: int | None
) -> bool:
    """Within :data:`MAX_APART`: as instants when both UTC offsets are known, else as wall
    times, allowing for one unknown time-zone offset (whole quarter hours, at most 14 h)."""
    if a is None or b is None:
        return False
    if a_offset is not None and b_offset is not None:
        delta = (a - dt.timedelta(minutes=a_offset)) - (b - dt.timedelta(minutes=b_offset))
        return abs(delta) <= MAX_APART
    delta = abs((a - b).total_seconds())
    if delta <= MAX_APART.total_seconds():
        return True
    if a_offset is None and b_offset is None or delta > 14 * 3600:
        return False
    quarter = 15 * 60
    return abs(delta - round(delta / quarter) * quarter) <= MAX_APART.total_seconds()


def partner(analysis: Any, values: dict[str, Any]) -> Photo | None:
    """The photo holding the other half of this file's Live Photo, or None."""
    other_kind = _half(analysis.kind)
    if other_kind is None or analysis.error or values.get("taken_at_source") == "filetime":
        return None
    by_id = content_id(analysis.metadata)
    if by_id:
        row = (
            File.select(File, Photo)
            .join(Photo)
            .where((File.content_id == by_id) & (File.kind == other_kind) & (Photo.status == "ok"))
            .first()
        )
        if row is not None and _single(row.photo):
            return row.photo
    return _same_stem(analysis, values, other_kind)


def _same_stem(analysis: Any, values: dict[str, Any], other_kind: str) -> Photo | None:
    path = PurePath(str(analysis.task.path))
    prefix = f"{path.parent}/{path.stem}."
    candidates = (
        Location.select(Location, File, Photo)
        .join(File)
        .join(Photo)
        .where(lookup.path_prefix(prefix) & (Location.path != str(path)))
        .where((File.kind == other_kind) & (Photo.status == "ok"))
    )
    for location in candidates:
        photo = location.file.photo
        if (
            PurePath(location.path).stem == path.stem
            and photo.taken_at_source != "filetime"
            and close_in_time(
                values["taken_at"], values["taken_at_offset"], photo.taken_at, photo.taken_at_offset
            )
            and _single(photo)
        ):
            return photo
    return None


def _single(photo: Photo) -> bool:
    """A photo can take a Live Photo half only while it is one plain file (not already a
    pair, not a RAW+JPEG)."""
    return File.select().where(File.photo == photo.id).count() == 1
