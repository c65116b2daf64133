"""Files of the catalogue as the web, the CLI and the background jobs read them: a file by
its content hash, where its copies are, which movies still need a transcode, names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import peewee as pw

from appliance.catalog.models import File, Location, Photo


def find_file(sha256: str) -> File | None:
    """The file row holding this content (with its photo reachable as ``file.photo``)."""
    return File.get_or_none(File.sha256 == sha256)


def present_locations(file_id: int) -> list[Location]:
    """The places a file catalogued in place was last seen, oldest first."""
    return list(
        Location.select()
        .where((Location.file == file_id) & (Location.missing == False))  # noqa: E712
        .order_by(Location.id)
    )


def stored_paths() -> set[str]:
    """Every relative path in originals/ the catalogue knows."""
    return {row.stored_path for row in File.select(File.stored_path) if row.stored_path}


def movies_to_transcode() -> Iterator[File]:
    """Files of catalogued photos whose movie needs a transcode, newest photo first (id,
    sha256, kind, stored_path and duration loaded)."""
    yield from (
        File.select(File.id, File.sha256, File.kind, File.stored_path, File.duration)
        .join(Photo)
        .where((File.playback == "transcode") & File.sha256.is_null(False))
        .where(Photo.status == "ok")
        .order_by(Photo.sort_time.desc(), File.id.desc())
    )


def original_names(photo_ids: Iterable[int]) -> dict[int, str]:
    """Photo id -> the original file name of its first file."""
    ids = list(photo_ids)
    names: dict[int, str] = {}
    rows = File.select(File.photo, File.original_name).where(File.photo.in_(ids))
    for photo_id, name in rows.tuples():
        names.setdefault(photo_id, name or "")
    return names


def any_photo() -> bool:
    """Does the catalogue hold any photo row at all?"""
    return Photo.select().exists()


def stored_bytes() -> int:
    """The size of every original the library holds in originals/."""
    total = File.select(pw.fn.COALESCE(pw.fn.SUM(File.size), 0))
    # int(): PostgreSQL sums bigints as numeric (a Decimal)
    return int(total.where(File.stored_path.is_null(False)).scalar() or 0)
