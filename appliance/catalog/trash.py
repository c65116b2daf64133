"""The trash: photos and albums deleted by the family, restorable for 30 days.

A trashed photo keeps its rows; ``photo.trashed_at`` hides it from the timeline, search,
albums, memories and share links. Its stored originals are moved aside inside the library
(``originals/.trash/<stored path>``, same filesystem: one atomic rename each way). Order
makes it crash-safe: the catalog is committed first, then the files are renamed; at start
:func:`reconcile` finishes any rename a power cut interrupted, so a file is always either
in ``originals/`` or in ``.trash/`` and never lost. Photos that were only indexed in place
are trashed in the catalog only: their source folder is never touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from appliance.catalog import stacks
from appliance.catalog.models import Album, AlbumTrash, Face, File, Photo, PhotoLabel, utcnow
from appliance.errors import BadRequest
from appliance.library import Library

log = logging.getLogger(__name__)

KEEP_DAYS = 30
TRASH_FOLDER = ".trash"


class TrashError(BadRequest):
    """Unknown photo, or one not in the trash."""


def trash_root(library: Library) -> Path:
    return library.originals / TRASH_FOLDER


def _move(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target`` (never overwriting); False when there is nothing to do."""
    if not source.exists() or target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _stored_paths(photo_ids: Iterable[int]) -> list[str]:
    return [
        p
        for (p,) in File.select(File.stored_path)
        .where(File.photo.in_(list(photo_ids)) & File.stored_path.is_null(False))
        .tuples()
    ]


def _place_files(library: Library, photo_ids: list[int], trashed: bool) -> None:
    originals, aside = library.originals, trash_root(library)
    for relative in _stored_paths(photo_ids):
        if trashed:
            _move(originals / relative, aside / relative)
        else:
            _move(aside / relative, originals / relative)


def trash_photos(library: Library, photo_ids: Iterable[int]) -> int:
    """Move photos to the trash; return how many were moved."""
    ids = [
        p
        for (p,) in Photo.select(Photo.id)
        .where(Photo.id.in_(list(photo_ids)) & Photo.trashed_at.is_null())
        .tuples()
    ]
    if not ids:
        return 0
    with Photo._meta.database.atomic():
        Photo.update(trashed_at=utcnow()).where(Photo.id.in_(ids)).execute()
        touched = {
            s for (s,) in Photo.select(Photo.stack_id).where(Photo.id.in_(ids)).tuples() if s
        }
        for stack_id in touched:
            stacks.refresh_stack(stack_id)
    _place_files(library, ids, trashed=True)
    return len(ids)


def restore_photos(library: Library, photo_ids: Iterable[int]) -> int:
    """Bring photos back from the trash; they rejoin their near-duplicates' stack."""
    ids = [
        p
        for (p,) in Photo.select(Photo.id)
        .where(Photo.id.in_(list(photo_ids)) & Photo.trashed_at.is_null(False))
        .tuples()
    ]
    if not ids:
        return 0
    with Photo._meta.database.atomic():
        mark_restored(ids)
    put_back(library, ids)
    return len(ids)


def mark_restored(photo_ids: list[int]) -> None:
    """The catalogue half of a restore (inside the caller's transaction)."""
    Photo.update(trashed_at=None, stack_id=None, stack_hidden=False).where(
        Photo.id.in_(photo_ids)
    ).execute()


def put_back(library: Library, photo_ids: list[int]) -> None:
    """The files half of a restore, after its commit: originals back from ``.trash``, the
    photos back in their near-duplicates' stacks (:func:`reconcile` redoes the moves after
    a crash)."""
    _place_files(library, photo_ids, trashed=False)
    stacks.group_photos(photo_ids)


def empty_trash(library: Library, older_than_days: float | None = None) -> int:
    """Delete trashed photos (all, or those trashed longer ago than ``older_than_days``) and
    trashed albums for good; return how many photos went. Rows go first, then the files
    (a crash in between leaves files that :func:`reconcile` removes)."""
    cutoff = utcnow() - dt.timedelta(days=older_than_days or 0)
    photos = Photo.select(Photo.id).where(Photo.trashed_at.is_null(False))
    albums = AlbumTrash.select(AlbumTrash.album)
    if older_than_days is not None:
        photos = photos.where(Photo.trashed_at <= cutoff)
        albums = albums.where(AlbumTrash.trashed_at <= cutoff)
    ids = [p for (p,) in photos.tuples()]
    album_ids = [a for (a,) in albums.tuples()]
    paths = _stored_paths(ids)
    with Photo._meta.database.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            # faces and labels first, while their photo exists: their delete triggers queue
            # a sidecar, which the photo's delete then removes (a cascade from the photo
            # would queue one for a photo already gone and break the foreign key)
            Face.delete().where(Face.photo.in_(chunk)).execute()
            PhotoLabel.delete().where(PhotoLabel.photo.in_(chunk)).execute()
            Photo.delete().where(Photo.id.in_(chunk)).execute()
        if album_ids:
            Album.delete().where(Album.id.in_(album_ids)).execute()
    aside = trash_root(library)
    for relative in paths:
        (aside / relative).unlink(missing_ok=True)
    return len(ids)


def reconcile(library: Library) -> int:
    """Finish what a crash interrupted and purge what is older than 30 days; return how many
    files were moved or removed."""
    fixed = 0
    trashed = {p for (p,) in Photo.select(Photo.id).where(Photo.trashed_at.is_null(False)).tuples()}
    for relative in _stored_paths(trashed):
        fixed += _move(library.originals / relative, trash_root(library) / relative)
    aside = trash_root(library)
    if aside.is_dir():
        for path in sorted(p for p in aside.rglob("*") if p.is_file()):
            relative = path.relative_to(aside).as_posix()
            file = File.select(File.photo).where(File.stored_path == relative).first()
            if file is None:
                path.unlink()  # its rows were deleted for good before a crash
                fixed += 1
            elif file.photo_id not in trashed:
                fixed += _move(path, library.originals / relative)
    purged = empty_trash(library, older_than_days=KEEP_DAYS)
    if fixed or purged:
        log.info(
            "trash: %d files put right, %d photos past %d days deleted", fixed, purged, KEEP_DAYS
        )
    return fixed + purged


def trashed_albums() -> list[Album]:
    return list(Album.select().join(AlbumTrash).order_by(AlbumTrash.trashed_at.desc()))
