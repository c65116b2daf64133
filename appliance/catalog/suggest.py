"""Search suggestions while typing: labels, people, places, albums and cameras that start
with what was typed (or have a word that does), each with the query that finds it.

Only what the signed-in family can search for is offered: visible photos (status ok, not in
the trash), people who are named and not hidden, albums not in the trash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import peewee as pw
from peewee import fn

from appliance.catalog.models import (
    Album,
    AlbumTrash,
    Face,
    Label,
    Person,
    Photo,
    PhotoLabel,
)
from appliance.catalog.private import not_private

MAX_SUGGESTIONS = 12
PER_KIND = 5
MAX_PREFIX = 100


@dataclass(frozen=True)
class Suggestion:
    kind: str  # label | person | place | album | camera
    text: str  # what the user sees
    query: str  # what the search box gets
    count: int  # photos it finds


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() or c == ":" for c in value) else value


def _starts(column: pw.Node, prefix: str) -> pw.Expression:
    """The text starts with ``prefix`` or has a word that does (case-insensitive)."""
    lower = fn.LOWER(column)
    return lower.startswith(prefix) | lower.contains(" " + prefix)


def _visible() -> pw.Expression:
    return (Photo.status == "ok") & Photo.trashed_at.is_null() & not_private()


def _labels(prefix: str) -> list[Suggestion]:
    rows = (
        Label.select(Label.name, fn.COUNT(fn.DISTINCT(PhotoLabel.photo)).alias("n"))
        .join(PhotoLabel)
        .join(Photo)
        .where(_starts(Label.name, prefix) & (PhotoLabel.removed == False) & _visible())  # noqa: E712
        .group_by(Label.name)
        .order_by(pw.SQL("n").desc(), Label.name)
        .limit(PER_KIND)
        .tuples()
    )
    return [Suggestion("label", name, f"label:{_quoted(name)}", n) for name, n in rows]


def _people(prefix: str) -> list[Suggestion]:
    rows = (
        Person.select(Person.id, Person.name, fn.COUNT(fn.DISTINCT(Face.photo)).alias("n"))
        .join(Face)
        .join(Photo)
        .where(
            Person.name.is_null(False)
            & (Person.hidden == False)  # noqa: E712
            & _starts(Person.name, prefix)
            & _visible()
        )
        .group_by(Person.id, Person.name)
        .order_by(pw.SQL("n").desc(), Person.name)
        .limit(PER_KIND)
        .tuples()
    )
    return [Suggestion("person", name, f"person:{_quoted(name)}", n) for _, name, n in rows]


def _places(prefix: str) -> list[Suggestion]:
    out: list[Suggestion] = []
    for column in (Photo.place_city, Photo.place_region, Photo.place_country):
        rows = (
            Photo.select(column, fn.COUNT(Photo.id).alias("n"))
            .where(column.is_null(False) & _starts(column, prefix) & _visible())
            .group_by(column)
            .order_by(pw.SQL("n").desc())
            .limit(PER_KIND)
            .tuples()
        )
        out += [Suggestion("place", name, f"place:{_quoted(name)}", n) for name, n in rows]
    seen: set[str] = set()
    unique = [s for s in out if not (s.text in seen or seen.add(s.text))]
    return sorted(unique, key=lambda s: -s.count)[:PER_KIND]


def _albums(prefix: str) -> list[Suggestion]:
    from appliance.catalog.models import AlbumPhoto

    rows = (
        Album.select(Album.id, Album.title, fn.COUNT(Photo.id).alias("n"))
        .join(AlbumPhoto, pw.JOIN.LEFT_OUTER)
        .join(Photo, pw.JOIN.LEFT_OUTER, on=(AlbumPhoto.photo == Photo.id) & _visible())
        .where(_starts(Album.title, prefix) & Album.id.not_in(AlbumTrash.select(AlbumTrash.album)))
        .group_by(Album.id, Album.title)
        .order_by(pw.SQL("n").desc(), Album.title)
        .limit(PER_KIND)
        .tuples()
    )
    return [Suggestion("album", title, f"album:{_quoted(title)}", n) for _, title, n in rows]


def _cameras(prefix: str) -> list[Suggestion]:
    rows = (
        Photo.select(Photo.camera_model, fn.COUNT(Photo.id).alias("n"))
        .where(
            Photo.camera_model.is_null(False)
            & (_starts(Photo.camera_model, prefix) | _starts(Photo.camera_make, prefix))
            & _visible()
        )
        .group_by(Photo.camera_model)
        .order_by(pw.SQL("n").desc())
        .limit(PER_KIND)
        .tuples()
    )
    return [Suggestion("camera", m, f"camera:{_quoted(m.strip())}", n) for m, n in rows]


def suggest(typed: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Suggestions for the last word being typed (``label:ca`` narrows to labels)."""
    typed = " ".join(str(typed).split())[-MAX_PREFIX:]
    kind = None
    if ":" in typed:
        kind, _, typed = typed.partition(":")
        kind = {"people": "person", "labels": "label"}.get(kind.lower(), kind.lower())
    prefix = typed.strip('"').lower()
    if not prefix:
        return []
    sources = {
        "person": _people,
        "label": _labels,
        "place": _places,
        "album": _albums,
        "camera": _cameras,
    }
    if kind is not None and kind not in sources:
        return []
    chosen = [sources[kind]] if kind else list(sources.values())
    found = [s for source in chosen for s in source(prefix) if s.count > 0]
    return found[:limit]


def as_json(suggestions: list[Suggestion]) -> list[dict[str, Any]]:
    return [asdict(s) for s in suggestions]
