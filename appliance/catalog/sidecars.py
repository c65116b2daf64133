"""XMP sidecars of library files: where they are, what goes in, when they are written.

Every decision queues its photo in ``sidecar_pending`` (SQLite triggers, see
`catalog.sidecar_triggers`); :func:`flush` writes the sidecars whose debounce time has
passed, and :class:`SidecarFlusher` calls it in the background of the service and the web
server. A sidecar sits beside the library's copy (``originals/…/NAME.EXT.xmp``); a file
catalogued in place gets one in the library's mirror tree (``sidecars/<its path>.xmp``), so
the source folder is never written to. :func:`rescan` reads sidecars edited outside Shoebox,
only the photo's own (:func:`owns`): never a sidecar at the source a file was copied or
moved from, where a later, different file may take the same name.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from appliance.catalog import decisions, photo_edits
from appliance.catalog.models import (
    Face,
    File,
    Label,
    Location,
    Person,
    Photo,
    PhotoLabel,
    SidecarPending,
    SidecarSeen,
    User,
    database_proxy,
    utcnow,
)
from appliance.library import Library
from appliance.media.exiftool import ExifToolError
from appliance.media.metadata import Metadata, sidecar_beside, sidecar_candidates
from appliance.media.regions import FaceRegion
from appliance.media.xmp_read import read_sidecar
from appliance.media.xmp_write import Decisions, write_sidecar

log = logging.getLogger(__name__)

RETRY_AFTER = dt.timedelta(minutes=1)
EDITED_SOURCES = ("manual", "sidecar")
# Location.source of a file catalogued where it is (index; rebuild adopts originals/ files)
IN_PLACE_SOURCES = ("index", "rebuild")


def sidecar_paths(library: Library, photo_id: int) -> list[Path]:
    """Where the sidecars of a photo's files live (one per file)."""
    out: list[Path] = []
    for file in File.select().where((File.photo == photo_id) & File.sha256.is_null(False)):
        if file.stored_path:
            stored = library.originals / file.stored_path
            out.append(sidecar_beside(stored))
            continue
        location = (
            Location.select()
            .where((Location.file == file.id) & (Location.missing == False))  # noqa: E712
            .order_by(Location.id)
            .first()
        )
        if location is not None:
            out.append(library.mirror_sidecar(location.path))
    return out


def owns(library: Library, photo_id: int, side: Path) -> bool:
    """Whether ``side`` is a sidecar of one of the photo's own files: one Shoebox writes
    (:func:`sidecar_paths`), or for a file catalogued in place the one beside it
    (``NAME.EXT.xmp``, ``NAME.xmp``) or in the mirror tree of any of its paths."""
    own = set(sidecar_paths(library, photo_id))
    in_place = (
        Location.select(Location.path)
        .join(File)
        .where((File.photo == photo_id) & Location.source.in_(IN_PLACE_SOURCES))
    )
    for location in in_place:
        path = Path(location.path)
        own.update((*sidecar_candidates(path), library.mirror_sidecar(path)))
    return side.resolve() in {p.resolve() for p in own}


def decisions_of(photo_id: int) -> Decisions:
    """The decisions the catalog holds for a photo, as a sidecar carries them."""
    photo = Photo.get_by_id(photo_id)
    labels = [
        row.label.name
        for row in PhotoLabel.select(PhotoLabel, Label)
        .join(Label)
        .where(
            (PhotoLabel.photo == photo_id)
            & (PhotoLabel.source == "manual")
            & (PhotoLabel.removed == False)  # noqa: E712
        )
        .order_by(Label.name)
    ]
    regions = []
    if photo.width and photo.height:
        for face in (
            Face.select(Face, Person)
            .join(Person)
            .where((Face.photo == photo_id) & Person.name.is_null(False))
            .order_by(Face.id)
        ):
            regions.append(
                FaceRegion(
                    face.person.name,
                    face.box_x / photo.width,
                    face.box_y / photo.height,
                    face.box_w / photo.width,
                    face.box_h / photo.height,
                )
            )
    rating = photo.rating if photo.rating is not None and photo.rating < 5 else 0
    edited_date = photo.taken_at_source in EDITED_SOURCES
    edited_place = photo.place_source in EDITED_SOURCES
    return Decisions(
        rating=decisions.FAVOURITE_RATING if photo.favorite else rating,
        title=photo.title,
        description=photo.description,
        labels=labels,
        regions=regions,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at if edited_date else None,
        taken_at_offset=photo.taken_at_offset if edited_date else None,
        latitude=photo.latitude if edited_place else None,
        longitude=photo.longitude if edited_place else None,
        edits=photo_edits.parse(photo.edits),
        orientation=photo.orientation,
        private=bool(photo.private),
        owner=_owner_name(photo) if photo.private else None,
    )


def _owner_name(photo: Photo) -> str | None:
    owner = User.get_or_none(User.id == photo.owner_id) if photo.owner_id else None
    return owner.username if owner else photo.private_owner_name


def _empty(d: Decisions) -> bool:
    return not (
        d.rating
        or d.title
        or d.description
        or d.labels
        or d.regions
        or d.taken_at
        or d.latitude
        or d.edits
        or d.private
    )


def _remember(path: Path, photo_id: int | None) -> None:
    mtime = path.stat().st_mtime
    SidecarSeen.insert(path=str(path), photo=photo_id, mtime=mtime).on_conflict(
        conflict_target=[SidecarSeen.path],
        update={SidecarSeen.mtime: mtime, SidecarSeen.photo: photo_id},
    ).execute()


def write_photo(library: Library, photo_id: int) -> list[Path]:
    """Write the sidecars of one photo now; returns the paths written."""
    wanted = decisions_of(photo_id)
    written = []
    for path in sidecar_paths(library, photo_id):
        if _empty(wanted) and not path.exists():
            continue  # nothing decided: no sidecar needed
        write_sidecar(path, wanted)
        _remember(path, photo_id)
        written.append(path)
    return written


def flush(library: Library, *, everything: bool = False) -> int:
    """Write the sidecars whose debounce time has passed (all queued ones: ``everything``).

    Returns how many photos were written. A photo whose write fails is retried later.
    """
    now = utcnow()
    query = SidecarPending.select()
    if not everything:
        query = query.where(SidecarPending.due_at <= now)
    done = 0
    for pending in list(query.order_by(SidecarPending.due_at)):
        try:
            write_photo(library, pending.photo_id)  # no transaction held while ExifTool runs
            # a newer decision meanwhile pushed due_at back: leave that row queued
            SidecarPending.delete().where(
                (SidecarPending.id == pending.id) & (SidecarPending.due_at == pending.due_at)
            ).execute()
            done += 1
        except (ExifToolError, OSError) as exc:
            log.warning("sidecar of photo %d not written: %s", pending.photo_id, exc)
            SidecarPending.update(due_at=now + RETRY_AFTER).where(
                SidecarPending.id == pending.id
            ).execute()
    return done


def note_read(path: Path, photo_id: int) -> None:
    """Remember the state of a photo's own sidecar read on import (so later edits are
    noticed): for a copied or moved file the copy carried beside the library's, never the
    source's."""
    if path.exists():
        _remember(path, photo_id)


def apply_sidecar(photo_id: int, path: Path) -> Metadata:
    """Read a sidecar edited outside Shoebox and make its decisions the photo's."""
    meta = read_sidecar(path)
    meta.sidecar = str(path)
    if meta.taken_at is not None and meta.taken_at_source in ("xmp", "exif"):
        meta.taken_at_source = "sidecar"
    with database_proxy.atomic():
        decisions.apply_metadata(photo_id, meta, replace=True)
        _remember(path, photo_id)
    return meta


def check_beside(library: Library, path: Path) -> bool:
    """For a file catalogued in place: apply its ``NAME.EXT.xmp`` (digiKam, darktable) when
    it is new or changed since Shoebox last read it. Returns whether it was applied (never
    beside a path a file was copied from: that sidecar is not the library's)."""
    side = sidecar_beside(path)
    try:
        mtime = side.stat().st_mtime
    except OSError:
        return False
    seen = SidecarSeen.get_or_none(SidecarSeen.path == str(side))
    if seen is not None and abs(seen.mtime - mtime) <= 1e-6:
        return False
    location = Location.get_or_none(Location.path == str(path))
    if location is None or location.file_id is None:
        return False
    photo_id = location.file.photo_id
    if not owns(library, photo_id, side):
        return False
    apply_sidecar(photo_id, side)
    return True


def rescan(library: Library) -> int:
    """Apply every known sidecar whose modification time changed; returns how many. A
    remembered path that is not the photo's own sidecar (:func:`owns`; older libraries
    remembered the sources of copied files) is forgotten instead."""
    changed = 0
    for seen in list(SidecarSeen.select().where(SidecarSeen.photo.is_null(False))):
        path = Path(seen.path)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if abs(mtime - seen.mtime) <= 1e-6:
            continue
        if not owns(library, seen.photo_id, path):
            SidecarSeen.delete().where(SidecarSeen.id == seen.id).execute()
            continue
        try:
            apply_sidecar(seen.photo_id, path)
            changed += 1
        except ExifToolError as exc:
            log.warning("sidecar %s unreadable: %s", path, exc)
    return changed


class SidecarFlusher(threading.Thread):
    """Background writer: flushes due sidecars every ``interval`` seconds until stopped."""

    def __init__(
        self, library: Library, interval: float = 1.0, present: Callable[[], bool] = lambda: True
    ) -> None:
        """``present``: whether the library's disk is still the one opened (asked before each
        flush: a pulled disk's empty mount point must get no sidecar folders)."""
        super().__init__(name="sidecar-flusher", daemon=True)
        self.library, self.interval, self.present = library, interval, present
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                if self.present():
                    flush(self.library)
            except Exception:  # noqa: BLE001 - keep flushing; the queue is persistent
                log.exception("sidecar flush failed")

    def stop(self, final_flush: bool = True) -> None:
        """Stop, writing every queued sidecar first; not when the library disk is gone
        (``final_flush=False``): the queue is in the catalogue and is written when it is
        back."""
        self.stopped.set()
        self.join(timeout=10)
        if final_flush:
            flush(self.library, everything=True)
