"""The one place where the web UI reaches into other engineers' modules.

Each function has a small fallback so the UI works before (or without) the optional part.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peewee import fn

from appliance.catalog import people as _people
from appliance.catalog.models import Face, Job, Label, Person, PhotoLabel, utcnow
from appliance.catalog.queries import _plain_labels
from appliance.library import Library
from appliance.media.thumbs import SIZES, ThumbnailCache

log = logging.getLogger(__name__)

PeopleError = _people.PeopleError
THUMB_SIZES = SIZES


def thumb_path(library: Library, sha256: str, size: str) -> Path:
    """Where the thumbnail of ``sha256`` lives (raises ValueError for bad input)."""
    return ThumbnailCache(library.cache).path(sha256, size)


@functools.cache
def _synonym_index() -> Any | None:
    try:
        from appliance.search.synonyms import SynonymIndex
    except ImportError:
        return None
    try:
        return SynonymIndex.load()
    except Exception:  # a broken synonym file must not take search down
        log.exception("synonym index could not be loaded; plain label matching only")
        return None


def labels_for(word: str) -> set[str]:
    """Label names a search word stands for ("kitty" -> {"cat", ...})."""
    index = _synonym_index()
    names = _plain_labels(word)
    if index is not None:
        names |= {n.lower() for n in index.labels_for(word)}
    return names


# --- labels -------------------------------------------------------------------------------


def add_label(photo_id: int, name: str) -> None:
    try:
        from appliance.catalog.labels import add_manual_label
    except ImportError:  # pragma: no cover - until the labels module lands
        label, _ = Label.get_or_create(name=name.strip().lower())
        PhotoLabel.insert(
            photo=photo_id, label=label, source="manual", removed=False
        ).on_conflict_replace().execute()
        return
    add_manual_label(photo_id, name)


def remove_label(photo_id: int, name: str) -> None:
    try:
        from appliance.catalog.labels import remove_label as _remove
    except ImportError:  # pragma: no cover - until the labels module lands
        PhotoLabel.update(removed=True, source="manual").where(
            (PhotoLabel.photo == photo_id)
            & (PhotoLabel.label.in_(Label.select(Label.id).where(Label.name == name)))
        ).execute()
        return
    _remove(photo_id, name)


# --- people -------------------------------------------------------------------------------

name_person: Callable[[int, str], Any] = _people.name_person
merge_people: Callable[[int, int], Any] = _people.merge_people
remove_face: Callable[[int], None] = _people.remove_face


def name_face(face_id: int, name: str) -> int:
    """Click-to-name: put the face into the person called ``name`` (creating it if needed),
    or simply name its person when that person has no name yet. Returns the person id."""
    name = " ".join((name or "").split())
    if not name:
        raise PeopleError("a person's name must be a non-empty text")
    face = Face.get_or_none(Face.id == face_id)
    if face is None:
        raise PeopleError(f"no face with id {face_id}")
    existing = Person.get_or_none(fn.LOWER(Person.name) == name.lower())
    if existing is not None:
        if face.person_id != existing.id:
            _people.assign_face(face_id, existing.id)
        return existing.id
    if face.person_id is not None and face.person.name is None:
        _people.name_person(face.person_id, name)
        return face.person_id
    person = Person.create(name=name)
    _people.assign_face(face_id, person.id)
    return person.id


# --- import status ------------------------------------------------------------------------


def status_report(library: Library) -> dict[str, Any]:
    """Import status for the UI: ``active``, ``queue`` (files left), ``counts`` by state,
    ``current``, ``rate_per_min``, ``eta_seconds``, ``sources`` (text), ``errors``."""
    try:
        from appliance.status import status_report as report
    except ImportError:
        return _jobs_summary()
    raw = report(library)
    counts = dict(raw.get("queue", {}))
    left = counts.get("pending", 0) + counts.get("running", 0)
    sources = []
    for source in raw.get("sources", []):
        where = source.get("path") or source.get("mount") or source.get("uuid") or ""
        sources.append(f"{source.get('kind', 'source')}: {where}")
    current = raw.get("current") or []
    return {
        "active": left > 0,
        "queue": left,
        "counts": counts,
        "current": ", ".join(map(str, current)) if isinstance(current, list) else current,
        "rate_per_min": round(float(raw.get("rate_per_second") or 0) * 60, 1),
        "eta_seconds": raw.get("eta_seconds"),
        "sources": sources,
        "errors": [
            {"path": e.get("path"), "error": e.get("error"), "at": e.get("when")}
            for e in raw.get("recent_errors", [])
        ]
        + [
            {"path": s.get("path"), "error": s.get("reason"), "at": None}
            for s in raw.get("skipped", [])
        ],
        "daemon": raw.get("daemon", {}),
        "backup": raw.get("backup", {}),
    }


def _jobs_summary() -> dict[str, Any]:
    counts = dict(Job.select(Job.state, fn.COUNT(Job.id)).group_by(Job.state).tuples())
    running = Job.select().where(Job.state == "running").order_by(Job.updated_at.desc()).first()
    since = utcnow() - dt.timedelta(minutes=10)
    done_recent = Job.select().where((Job.state == "done") & (Job.updated_at >= since)).count()
    rate = done_recent / 600.0
    queued = counts.get("pending", 0) + counts.get("running", 0)
    errors = (
        Job.select(Job.path, Job.error, Job.updated_at)
        .where(Job.state == "failed")
        .order_by(Job.updated_at.desc())
        .limit(10)
    )
    sources = (
        Job.select(Job.source, fn.COUNT(Job.id)).where(Job.state == "pending").group_by(Job.source)
    )
    return {
        "active": queued > 0,
        "queue": queued,
        "counts": {k: counts.get(k, 0) for k in ("pending", "running", "done", "failed")},
        "current": running.path if running else None,
        "rate_per_min": round(rate * 60, 1),
        "eta_seconds": round(queued / rate) if rate > 0 and queued else None,
        "sources": [f"{s}: {n} waiting" for s, n in sources.tuples()],
        "errors": [
            {"path": e.path, "error": e.error, "at": e.updated_at.isoformat()} for e in errors
        ],
    }
