"""The timeline's read side beyond its pages: months for the scrubber, a change marker for
live updates, the state of browser uploads (import jobs), and the files of a zip download."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import fn

from appliance.catalog.models import File, Job, Photo
from appliance.catalog.private import not_private
from appliance.catalog.queries import _base

UPLOAD_SOURCE = "upload"


def months() -> list[dict[str, Any]]:
    """``[{"month": "2023-06", "count": n}]`` of the plain timeline (stacks as one tile),
    newest first."""
    month = fn.strftime("%Y-%m", Photo.sort_time)
    rows = (
        _base(collapse=True)
        .select(month.alias("month"), fn.COUNT(Photo.id).alias("n"))
        .group_by(month)
        .order_by(month.desc())
        .tuples()
    )
    return [{"month": m, "count": n} for m, n in rows if m]


def change_marker() -> dict[str, int]:
    """What changes when photos land or leave: the newest id and the visible count."""
    count, newest = (
        Photo.select(fn.COUNT(Photo.id), fn.MAX(Photo.id))
        .where((Photo.status == "ok") & Photo.trashed_at.is_null() & not_private())
        .tuples()
        .get()
    )
    return {"count": int(count or 0), "newest": int(newest or 0)}


@dataclass(frozen=True)
class UploadState:
    """Where one uploaded file is: ``waiting``, ``importing``, ``added``, ``duplicate``
    (already in the library) or ``failed`` (``error`` says why)."""

    id: int
    state: str
    error: str | None = None
    photo_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "error": self.error, "photo_id": self.photo_id}


def upload_states(job_ids: Iterable[int]) -> list[UploadState]:
    """The import state of browser uploads by job id (unknown ids are left out)."""
    ids = list(job_ids)
    if not ids:
        return []
    rows = list(
        Job.select().where(Job.id.in_(ids) & (Job.source == UPLOAD_SOURCE)).order_by(Job.id)
    )
    file_ids = [job.file_id for job in rows if job.file_id]
    files = {f.id: f for f in File.select().where(File.id.in_(file_ids))} if file_ids else {}
    return [_upload_state(job, files.get(job.file_id)) for job in rows]


def _upload_state(job: Job, file: File | None) -> UploadState:
    if job.state in ("pending", "paused"):
        return UploadState(job.id, "waiting")
    if job.state == "running":
        return UploadState(job.id, "importing")
    if job.state == "failed":
        return UploadState(job.id, "failed", job.error or "the file could not be imported")
    if file is None:
        return UploadState(job.id, "failed", job.error or "the file could not be imported")
    photo = Photo.get_or_none(Photo.id == file.photo_id)
    if file.error or photo is None or photo.status != "ok":
        return UploadState(job.id, "failed", file.error or "the file could not be read")
    if job.outcome == "restored":
        return UploadState(job.id, "restored", None, photo.id)
    duplicate = file.created_at is not None and file.created_at < job.created_at
    return UploadState(job.id, "duplicate" if duplicate else "added", None, photo.id)


@dataclass(frozen=True)
class ZipMember:
    """One original of a zip download: the photo, its taken time, the stored file."""

    photo_id: int
    taken: str
    file: File


def zip_members(photo_ids: Iterable[int]) -> list[ZipMember]:
    """Every file with content of the given visible photos (a RAW+JPEG pair gives both),
    oldest photo first."""
    ids = list(photo_ids)
    if not ids:
        return []
    rows = (
        File.select(File, Photo.sort_time)
        .join(Photo)
        .where(
            Photo.id.in_(ids)
            & (Photo.status == "ok")
            & Photo.trashed_at.is_null()
            & not_private()
            & File.sha256.is_null(False)
        )
        .order_by(Photo.sort_time, Photo.id, File.id)
    )
    members = []
    for file in rows:
        stamp = file.photo.sort_time
        members.append(ZipMember(file.photo_id, stamp.strftime("%Y-%m-%d"), file))
    return members
