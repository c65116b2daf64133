"""The one place the ingest pipeline writes to the catalog: one transaction per file.

The runner calls :func:`commit` with a worker's :class:`Analysis`. Inside one transaction it
records the content (or the duplicate, or the failure), its location, labels and faces, and
marks the daemon's job done last. Files that must be placed in originals/ come back as a
:class:`Placement`, performed by the caller after the commit (see `ingest.store`), with the
source's sidecar their decisions were read from: the caller carries it beside the library's
copy and remembers that copy (`sidecars.note_read`), never the source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from appliance.catalog import decisions, live_photos, lookup, photo_text, sidecars, stacks, trash
from appliance.catalog.analysis import FACES_VERSION, LABELS_VERSION, insert_faces
from appliance.catalog.labels import save_model_labels
from appliance.catalog.models import Face, File, Job, Location, Photo, utcnow
from appliance.catalog.places import place_columns
from appliance.naming import destination, unrecorded_copy
from appliance.places import time_zones
from appliance.records import IN_PLACE_POLICIES, Analysis, Outcome

METADATA_FIELDS = (
    "taken_at",
    "taken_at_offset",
    "taken_at_source",
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "latitude",
    "longitude",
    "altitude",
    "orientation",
    "title",
    "description",
    "rating",
    "place_source",
)
ROLE_BY_KIND = {"raw": "raw", "video": "video", "sidecar": "sidecar"}


@dataclass(frozen=True)
class Placement:
    """A verified copy in .incoming that must be renamed to originals/<relative>."""

    incoming: Path
    relative: str


@dataclass(frozen=True)
class Committed:
    outcome: Outcome
    placement: Placement | None = None
    sidecar_read: Path | None = None  # a copied/moved file's source sidecar, not remembered


def commit(analysis: Analysis, originals: Path) -> Committed:
    """Record one analysed file in a single transaction."""
    db = Photo._meta.database
    with db.atomic():
        known = File.get_or_none(File.sha256 == analysis.sha256) if analysis.sha256 else None
        if known is not None:
            committed = _record_duplicate(analysis, known, originals)
        else:
            committed = _record_new(analysis, originals)
        _finish_job(analysis, committed.outcome)
    return committed


def _finish_job(analysis: Analysis, outcome: Outcome) -> None:
    if analysis.task.job_id is not None:
        state = "failed" if outcome.status == "failed" else "done"
        finish_job(analysis.task.job_id, state, outcome.file_id, outcome.error, outcome.status)


def finish_job(
    job_id: int,
    state: str,
    file_id: int | None = None,
    error: str | None = None,
    outcome: str | None = None,
) -> None:
    """Mark a daemon job finished (inside the caller's transaction, if any); ``outcome`` is
    what became of its file (an :data:`~appliance.records.Status`)."""
    Job.update(state=state, file=file_id, error=error, outcome=outcome, updated_at=utcnow()).where(
        Job.id == job_id
    ).execute()


def _upsert_location(analysis: Analysis, file: File) -> None:
    task = analysis.task
    values = {
        "file": file,
        "source": task.source,
        "volume_uuid": task.volume_uuid,
        "size": analysis.size,
        "mtime": analysis.mtime,
        "missing": False,
        "last_seen": utcnow(),
    }
    previous = Location.get_or_none(Location.path == str(task.path))
    if previous is None:
        Location.create(path=str(task.path), **values)
        return
    Location.update(**values).where(Location.id == previous.id).execute()
    if previous.file_id not in (None, file.id):
        _forget_if_orphaned(previous.file_id)


def _forget_if_orphaned(file_id: int) -> None:
    """The content at an indexed path changed and was re-read: drop the old content's row
    (and its photo, when that was its last file) unless the library stores a copy of it or
    it was seen elsewhere too."""
    old = File.get_or_none(File.id == file_id)
    if old is None or old.stored_path is not None or old.locations.count():
        return
    photo_id = old.photo_id
    old.delete_instance()
    if not File.select().where(File.photo == photo_id).exists():
        Photo.delete().where(Photo.id == photo_id).execute()


def _record_duplicate(analysis: Analysis, known: File, originals: Path) -> Committed:
    """Same content seen again: remember the path; adopt the copy if the library had none."""
    placement = None
    adopted = _adopted_path(analysis, originals)
    if adopted is not None and known.stored_path is None:
        File.update(stored_path=adopted).where(File.id == known.id).execute()
    elif analysis.incoming is not None and known.stored_path is None:
        photo = known.photo
        relative = destination(
            photo.taken_at or photo.sort_time,
            analysis.task.path.name,
            lookup.is_stored_path_taken,
            originals,
        )
        File.update(stored_path=relative).where(File.id == known.id).execute()
        placement = Placement(analysis.incoming, relative)
    _upsert_location(analysis, known)
    status = "duplicate"
    if analysis.task.policy == "move" and _in_trash(known.photo_id):
        # the source is deleted after this commit: its content must not then live only in
        # the trash, to be gone for good when the trash is emptied
        trash.mark_restored([known.photo_id])
        status = "restored"
    return Committed(Outcome(analysis.task, status, known.photo_id, known.id), placement)


def _in_trash(photo_id: int) -> bool:
    return Photo.select().where((Photo.id == photo_id) & Photo.trashed_at.is_null(False)).exists()


def _adopted_path(analysis: Analysis, originals: Path) -> str | None:
    """For policy "adopt" (rebuild): the file's own path relative to originals/."""
    if analysis.task.policy != "adopt":
        return None
    path = Path(analysis.task.path).resolve()
    base = Path(originals).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"{path} is not inside {base}: only originals/ can be adopted")
    return path.relative_to(base).as_posix()


def _taken(analysis: Analysis) -> tuple[dt.datetime | None, str | None]:
    meta = analysis.metadata
    if meta is not None and getattr(meta, "taken_at", None) is not None:
        return meta.taken_at, getattr(meta, "taken_at_source", None)
    if analysis.error is None and analysis.mtime:
        return dt.datetime.fromtimestamp(analysis.mtime).replace(microsecond=0), "filetime"
    return None, None


def _photo_values(analysis: Analysis) -> dict[str, Any]:
    meta = analysis.metadata
    values: dict[str, Any] = {f: getattr(meta, f, None) for f in METADATA_FIELDS}
    values["taken_at"], values["taken_at_source"] = _taken(analysis)
    if analysis.display_size:
        values["width"], values["height"] = analysis.display_size
    else:
        values["width"] = getattr(meta, "width", None)
        values["height"] = getattr(meta, "height", None)
    values.update(place_columns(values["latitude"], values["longitude"]))
    _settle_time_zone(values)
    values["sort_time"] = values["taken_at"] or dt.datetime.fromtimestamp(analysis.mtime or 0)
    values["mime"], values["kind"] = analysis.mime, analysis.kind
    values["owner_id"] = analysis.task.owner_id
    values["status"] = "error" if analysis.error else "ok"
    values["primary_sha256"] = analysis.sha256 if analysis.display_size else None
    values["duration"] = getattr(analysis.video, "duration", None)
    values["motion"] = analysis.motion
    if analysis.labels is not None:
        values["labels_version"] = LABELS_VERSION
    if analysis.faces is not None:
        values["faces_version"] = FACES_VERSION
    return values


def _settle_time_zone(values: dict[str, Any]) -> None:
    """A time the file gives without its zone takes its place's (places.time_zones), here in
    the main process like the place itself: one copy of the zone map, not one per worker."""
    settled = time_zones.settled_time(
        values["taken_at"],
        values["taken_at_offset"],
        values["taken_at_source"],
        values["latitude"],
        values["longitude"],
    )
    if settled is not None:
        values["taken_at"], values["taken_at_offset"] = settled


def _pair_partner(analysis: Analysis, taken: dt.datetime | None) -> Photo | None:
    """The photo of the other half of a RAW+JPEG pair: same folder and stem, same time."""
    if taken is None or analysis.kind not in ("raw", "image") or analysis.error:
        return None
    path = PurePath(str(analysis.task.path))
    prefix = f"{path.parent}/{path.stem}."
    candidates = (
        Location.select(Location, File, Photo)
        .join(File)
        .join(Photo)
        .where(lookup.path_prefix(prefix) & (Location.path != str(path)))
    )
    for location in candidates:
        other = PurePath(location.path)
        photo = location.file.photo
        if (
            other.stem == path.stem
            and location.file.kind != analysis.kind
            and location.file.kind in ("raw", "image")
            and photo.taken_at == taken
        ):
            return photo
    return None


def _video_file_values(analysis: Analysis) -> dict[str, Any]:
    """The movie's facts for its File row (a video, or a Motion Photo's embedded movie)."""
    facts = analysis.video
    values: dict[str, Any] = {"content_id": live_photos.content_id(analysis.metadata)}
    if facts is not None:
        values.update(
            duration=facts.duration,
            video_codec=facts.video_codec,
            audio_codec=facts.audio_codec,
            frame_rate=facts.frame_rate,
            rotation=facts.rotation,
            container=facts.container,
            playback=facts.playback,
        )
    return values


def _take_decisions(photo_id: int, analysis: Analysis) -> Path | None:
    """Ratings, keywords, named faces, edits found in the file's XMP or its sidecar. The
    sidecar read is remembered when it is the library's (a file catalogued in place); a
    copied or moved file's is returned instead: its source is not the library's (a later
    file may take its name), the copy carried beside the library's original is."""
    meta = analysis.metadata
    if decisions.has_decisions(meta):
        decisions.apply_metadata(photo_id, meta)
    side = getattr(meta, "sidecar", None)
    if not side:
        return None
    if analysis.task.policy in IN_PLACE_POLICIES:
        sidecars.note_read(Path(side), photo_id)
        return None
    return Path(side)


def _record_new(analysis: Analysis, originals: Path) -> Committed:
    values = _photo_values(analysis)
    live = live_photos.partner(analysis, values)
    if live is not None:
        return _record_live_half(analysis, values, live, originals)
    partner = _pair_partner(analysis, values["taken_at"])
    if partner is not None:
        photo = partner
        if analysis.kind == "image" and values["primary_sha256"]:
            # the JPEG of a RAW+JPEG pair is the better picture to show
            Photo.update(
                primary_sha256=values["primary_sha256"], mime=analysis.mime, updated_at=utcnow()
            ).where(Photo.id == photo.id).execute()
    else:
        photo = Photo.create(**values)
    file, placement = _create_file(analysis, photo, values, originals)
    if analysis.labels is not None:
        save_model_labels(photo.id, analysis.labels)
    if analysis.faces:
        insert_faces(photo.id, analysis.faces)
    if analysis.moments is not None and (partner is None or analysis.kind == "image"):
        stacks.save_measured(photo.id, analysis.moments, stacks.current_model())
    sidecar_read = _take_decisions(photo.id, analysis)
    status = "failed" if analysis.error else "added"
    outcome = Outcome(analysis.task, status, photo.id, file.id, analysis.error)
    return Committed(outcome, placement, sidecar_read)


def _create_file(
    analysis: Analysis, photo: Photo, values: dict[str, Any], originals: Path
) -> tuple[File, Placement | None]:
    """The File row of new content (and its location); where its verified copy goes."""
    placement = None
    stored_path = _adopted_path(analysis, originals) if analysis.error is None else None
    if analysis.incoming is not None and analysis.error is None:
        naming = (values["taken_at"], analysis.task.path.name, lookup.is_stored_path_taken)
        stored_path = unrecorded_copy(*naming, originals, analysis.sha256)
        if stored_path is None:  # the usual case: a new name, the verified copy goes there
            stored_path = destination(*naming, originals)
            placement = Placement(analysis.incoming, stored_path)
    file = File.create(
        photo=photo,
        sha256=analysis.sha256,
        role=ROLE_BY_KIND.get(analysis.kind, "original"),
        mime=analysis.mime,
        kind=analysis.kind,
        size=analysis.size,
        width=values["width"],
        height=values["height"],
        stored_path=stored_path,
        original_name=analysis.task.path.name,
        error=analysis.error,
        warnings="\n".join(analysis.warnings),
        **_video_file_values(analysis),
    )
    _upsert_location(analysis, file)
    return file, placement


def _record_live_half(
    analysis: Analysis, values: dict[str, Any], photo: Photo, originals: Path
) -> Committed:
    """The second half of a Live Photo joins the first: one photo, two files. The still is
    what the photo shows (its metadata, thumbnails, labels and faces); the movie adds its
    duration and is played on press."""
    if analysis.kind == "video":
        Photo.update(motion="live", duration=values["duration"], updated_at=utcnow()).where(
            Photo.id == photo.id
        ).execute()
    else:  # the still arrives after its movie: the photo becomes the still
        duration = photo.duration
        still = {k: v for k, v in values.items() if k not in ("favorite", "archived")}
        still.update(motion="live", duration=duration, updated_at=utcnow())
        Photo.update(**still).where(Photo.id == photo.id).execute()
        Face.delete().where(Face.photo == photo.id).execute()  # the poster's; the still's follow
        photo_text.forget(photo.id)  # the movie had nothing to read: read the still
        if analysis.labels is not None:
            save_model_labels(photo.id, analysis.labels)
        if analysis.faces:
            insert_faces(photo.id, analysis.faces)
        if analysis.moments is not None:  # the still's hash and quality stand for the photo
            stacks.save_measured(photo.id, analysis.moments, stacks.current_model())
    file, placement = _create_file(analysis, photo, values, originals)
    sidecar_read = _take_decisions(photo.id, analysis)
    outcome = Outcome(analysis.task, "added", photo.id, file.id)
    return Committed(outcome, placement, sidecar_read)
