"""One edit for many photos, and its one Undo.

A family selects photos in the grid and sets, in one action, any of: the capture date
and time (one for all: scans, a day's photos), a shift of the capture time (the camera's
clock was wrong), the UTC offset (time zone), the place, the
title and description, labels to add, people to name, favourite, archived, an album to
add them to. It
runs in one transaction through the same writers as a single photo's edits (so the XMP
sidecars follow through the sidecar triggers). Before it writes, it keeps each photo's
previous values and what it adds in a :class:`BatchEdit` row; :func:`undo_batch` puts
them back, also in one transaction, and only for the member who made the edit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from peewee import fn

from appliance.catalog import albums, decisions, edits, labels, photos, places
from appliance.catalog.models import (
    AlbumPhoto,
    BatchEdit,
    Face,
    Label,
    Person,
    Photo,
    PhotoLabel,
    database_proxy,
    utcnow,
)
from appliance.catalog.people import refresh_people
from appliance.errors import BadRequest, NotFound

MAX_PHOTOS = 5000
KEEP = dt.timedelta(days=7)  # an Undo older than this is gone
KEYS = frozenset(
    {"taken_at", "shift", "offset", "place", "title", "description", "add_labels", "add_people",
     "favorite", "archived", "album_id"}
)  # fmt: skip
# the columns an edit may change, restored whole by an Undo
KEPT = (
    "taken_at",
    "taken_at_offset",
    "taken_at_source",
    "sort_time",
    "latitude",
    "longitude",
    "altitude",
    "place_country_code",
    "place_country",
    "place_region",
    "place_city",
    "place_source",
    "places_version",
    "title",
    "description",
    "favorite",
    "archived",
)


class BatchError(BadRequest):
    """A batch edit that cannot be made; nothing of it was written."""


class UndoGone(NotFound):
    """No such batch edit to undo (undone already, too old, or someone else's)."""


@dataclass(frozen=True)
class BatchResult:
    updated: int
    undo_id: int
    faces_named: int = 0  # faces named by add_people (a photo without the face gets none)


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _snapshot(ids: list[int]) -> list[dict[str, Any]]:
    columns = [getattr(Photo, name) for name in KEPT]
    rows = Photo.select(Photo.id, *columns).where(Photo.id.in_(ids)).dicts()
    return [{k: _value(v) for k, v in row.items()} for row in rows]


def _check(changes: dict[str, Any]) -> None:
    unknown = set(changes) - KEYS
    if unknown:
        raise BatchError(f"cannot set {', '.join(sorted(unknown))} on many photos")
    if not changes:
        raise BatchError("send at least one change")
    for flag in ("favorite", "archived"):
        if flag in changes and not isinstance(changes[flag], bool):
            raise BatchError(f"{flag} must be true or false")
    names = changes.get("add_labels", [])
    if not isinstance(names, list) or not all(
        isinstance(n, str) and 0 < len(n.strip()) <= 100 for n in names
    ):
        raise BatchError("add_labels must be a list of label names (1-100 characters)")
    people = changes.get("add_people", [])
    if not isinstance(people, list) or not all(
        isinstance(n, str) and 0 < len(n.strip()) <= 100 for n in people
    ):
        raise BatchError("add_people must be a list of names (1-100 characters)")
    if "offset" in changes and not isinstance(changes["offset"], str):
        raise BatchError("offset is a UTC offset like +02:00")
    if "taken_at" in changes and not isinstance(changes["taken_at"], str):
        raise BatchError("taken_at is a date and time like 2023-07-14T18:30")
    if "shift" in changes and not isinstance(changes["shift"], str):
        raise BatchError('shift is a time difference like "+1h" or "-30m"')
    place = changes.get("place")
    if place is not None and (
        not isinstance(place, dict) or not {"latitude", "longitude"} <= set(place)
    ):
        raise BatchError("place must be {latitude, longitude}")


def edit_photos(ids: list[int], changes: dict[str, Any], user_id: int | None) -> BatchResult:
    """Apply ``changes`` to every photo of ``ids``; raises :class:`BatchError` (nothing
    written) for a bad change or unknown photos."""
    ids = list(dict.fromkeys(ids))
    if not 0 < len(ids) <= MAX_PHOTOS:
        raise BatchError(f"select 1 to {MAX_PHOTOS} photos")
    _check(changes)
    with database_proxy.atomic():
        known = [pid for (pid,) in Photo.select(Photo.id).where(Photo.id.in_(ids)).tuples()]
        if len(known) != len(ids):
            raise BatchError("some of those photos do not exist")
        before: dict[str, Any] = {"photos": _snapshot(ids), "labels": [], "album": None}
        if "taken_at" in changes:
            when = edits.parse_time(changes["taken_at"])
            for pid in ids:
                edits.set_taken_at(pid, when)
        if "shift" in changes:
            edits.shift_taken_at(ids, edits.parse_shift(changes["shift"]))
        if "offset" in changes:
            offset = edits.parse_offset(changes["offset"])
            Photo.update(taken_at_offset=offset, updated_at=utcnow()).where(
                Photo.id.in_(ids) & Photo.taken_at.is_null(False)
            ).execute()
        if "place" in changes:
            where = changes["place"]
            try:
                places.set_place(ids, float(where["latitude"]), float(where["longitude"]))
            except (TypeError, ValueError) as exc:
                raise BatchError(f"place: {exc}") from exc
        if "title" in changes or "description" in changes:
            for pid in ids:
                edits.set_text(
                    pid, title=changes.get("title"), description=changes.get("description")
                )
        for name in dict.fromkeys(n.strip().lower() for n in changes.get("add_labels", [])):
            rows = {  # the label's rows on these photos as they were (a removal is kept)
                pid: [confidence, source, removed]
                for pid, confidence, source, removed in PhotoLabel.select(
                    PhotoLabel.photo, PhotoLabel.confidence, PhotoLabel.source, PhotoLabel.removed
                )
                .join(Label)
                .where((Label.name == name) & PhotoLabel.photo.in_(ids))
                .tuples()
            }
            for pid in ids:
                if pid not in rows or rows[pid][2]:
                    labels.keep_label(pid, name)
                    before["labels"].append([pid, name, rows.get(pid)])
        for pid in dict.fromkeys(pid for pid, _, _ in before["labels"]):
            labels.relabel(pid)  # a label may name the animal the classifier missed
        named = 0
        if changes.get("add_people"):
            named = _name_people(ids, changes["add_people"], before)
        flags = {k: changes[k] for k in ("favorite", "archived") if k in changes}
        if flags:
            photos.set_flags(ids, flags)
        if "album_id" in changes:
            album_id = changes["album_id"]
            if not isinstance(album_id, int) or isinstance(album_id, bool):
                raise BatchError("album_id must be an album's id")
            inside = {
                pid
                for (pid,) in AlbumPhoto.select(AlbumPhoto.photo)
                .where((AlbumPhoto.album == album_id) & AlbumPhoto.photo.in_(ids))
                .tuples()
            }
            albums.add_photos(album_id, ids)  # an unknown album: its NotFound
            before["album"] = [album_id, [pid for pid in ids if pid not in inside]]
        kept = BatchEdit.create(user_id=user_id, before=json.dumps(before))
    return BatchResult(len(ids), kept.id, named)


def _name_people(ids: list[int], names: list[str], before: dict[str, Any]) -> int:
    """ "These photos show Anna": on each photo, the face that is the named person is named
    (manual), by the rules of a name given without where (:func:`decisions.name_people`):
    a photo's only face first, so a new name gains a likeness; then, on photos of several
    faces, the face that looks like the person. Faces the family named stay as they are.
    Keeps each face's person before, and the people the names created, for the Undo."""
    names = list(dict.fromkeys(n.strip() for n in names))
    existing = {
        n.lower()
        for (n,) in Person.select(Person.name)
        .where(fn.LOWER(Person.name).in_([n.lower() for n in names]))
        .tuples()
    }
    before["faces"] = [
        list(row)
        for row in Face.select(Face.id, Face.person, Face.assignment)
        .where(Face.photo.in_(ids))
        .tuples()
    ]
    named = sum(decisions.name_people(pid, names) for pid in ids)
    named += sum(decisions.name_faces_by_likeness(pid, names) for pid in ids)
    before["created_people"] = [
        decisions.person_named(n).id for n in names if n.lower() not in existing
    ]
    return named


def _unname_people(before: dict[str, Any]) -> None:
    """Put every face of the batch back with the person it had; a person the batch's names
    created goes again once it has no face left."""
    touched: set[int] = set(before.get("created_people", []))
    now = {
        face_id: person_id
        for face_id, person_id in Face.select(Face.id, Face.person)
        .where(Face.id.in_([row[0] for row in before.get("faces", [])]))
        .tuples()
    }
    for face_id, person_id, assignment in before.get("faces", []):
        if face_id not in now:
            continue  # the face went since (its photo deleted)
        Face.update(person=person_id, assignment=assignment).where(Face.id == face_id).execute()
        touched |= {p for p in (person_id, now[face_id]) if p}
    refresh_people(touched)
    Person.delete().where(
        Person.id.in_(before.get("created_people", [])) & (Person.face_count == 0)
    ).execute()


def _restore_value(name: str, value: Any) -> Any:
    if value is not None and name in ("taken_at", "sort_time"):
        return dt.datetime.fromisoformat(value)
    return value


def undo_batch(undo_id: int, user_id: int | None) -> int:
    """Put back what batch edit ``undo_id`` changed; returns how many photos it restored."""
    cutoff = utcnow() - KEEP
    with database_proxy.atomic():
        kept = BatchEdit.get_or_none(
            (BatchEdit.id == undo_id)
            & (BatchEdit.user_id == user_id)
            & (BatchEdit.created_at >= cutoff)
        )
        if kept is None:
            raise UndoGone("that edit cannot be undone any more")
        before = json.loads(kept.before)
        titles = dict(
            Photo.select(Photo.id, Photo.title)
            .where(Photo.id.in_([row["id"] for row in before["photos"]]))
            .tuples()
        )
        relabel = {pid for pid, _, _ in before["labels"]}  # labels and titles put back
        relabel.update(r["id"] for r in before["photos"] if titles.get(r["id"]) != r["title"])
        for row in before["photos"]:
            values = {
                k: _restore_value(k, row[k]) for k in KEPT if k not in ("favorite", "archived")
            }
            Photo.update(**values, updated_at=utcnow()).where(Photo.id == row["id"]).execute()
        for flag in ("favorite", "archived"):
            for value in (True, False):
                ids = [r["id"] for r in before["photos"] if bool(r[flag]) is value]
                photos.set_flags(ids, {flag: value})
        for pid, name, row in before["labels"]:
            label = Label.get_or_none(Label.name == name)
            if label is None:
                continue
            mine = (PhotoLabel.photo == pid) & (PhotoLabel.label == label.id)
            if row is None:
                PhotoLabel.delete().where(mine).execute()
            else:  # the family had removed it: that decision comes back
                confidence, source, removed = row
                PhotoLabel.update(confidence=confidence, source=source, removed=removed).where(
                    mine
                ).execute()
        for pid in relabel:  # a title or label that named an animal may have gone
            labels.relabel(pid)
        _unname_people(before)
        if before["album"]:
            album_id, added = before["album"]
            if added:
                albums.remove_photos(album_id, added)
        kept.delete_instance()
        BatchEdit.delete().where(BatchEdit.created_at < cutoff).execute()
    return len(before["photos"])
