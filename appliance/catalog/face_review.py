"""The family's side of faces: who a face may be, faces that belong to nobody, dismissing a
face, hiding a person and choosing a person's cover face.

Naming itself goes through :mod:`appliance.catalog.people` (and so through the sidecar
triggers to the XMP files); this module only reads and makes the small decisions around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import peewee as pw

from appliance.catalog.models import Face, FaceRejection, Person, Photo, database_proxy, utcnow
from appliance.catalog.people import PeopleError, PersonNotFound, refresh_people
from appliance.catalog.private import not_private
from appliance.face_clusters import ClusterParams

MAX_PAGE = 200


class NotFound(PersonNotFound):
    """The face or person asked for does not exist."""


@dataclass(frozen=True)
class NameChoice:
    """A person the name dialog offers for a face; ``suggested`` is clustering's pick."""

    person_id: int
    name: str
    distance: float | None
    suggested: bool


@dataclass(frozen=True)
class FaceRef:
    """A face to show as a crop: its id, photo and the person it belongs to (if any)."""

    id: int
    photo_id: int
    person_id: int | None
    suggestion: NameChoice | None = None
    group: int | None = None  # faces of nobody on one page with one group may be one person


def _face(face_id: int) -> Face:
    face = Face.get_or_none(Face.id == face_id)
    if face is None:
        raise NotFound(f"no face with id {face_id}")
    return face


def _person(person_id: int) -> Person:
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}")
    return person


def _vector(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(bytes(blob), dtype=np.float32)


def name_choices(face_id: int, params: ClusterParams | None = None) -> list[NameChoice]:
    """Named people for the name dialog of a face: the nearest first (by the distance of the
    face to each person's mean descriptor), then the rest by name. The first is marked
    ``suggested`` when it is within clustering's match radius and not rejected for this face.
    """
    params = params or ClusterParams()
    face = _face(face_id)
    mine = _vector(face.descriptor) if face.usable else None
    rejected = {r.person_id for r in FaceRejection.select().where(FaceRejection.face == face_id)}
    people = Person.select().where(Person.name.is_null(False) & (Person.hidden == False))  # noqa: E712
    scored: list[tuple[float, str, Person]] = []
    for person in people:
        centroid = _vector(person.centroid)
        distance = (
            float(np.linalg.norm(mine - centroid))
            if mine is not None and centroid is not None and centroid.shape == mine.shape
            else float("inf")
        )
        scored.append((distance, person.name.lower(), person))
    scored.sort(key=lambda s: (s[0], s[1]))
    out: list[NameChoice] = []
    for i, (distance, _, person) in enumerate(scored):
        close = distance <= params.match_radius and person.id not in rejected
        out.append(
            NameChoice(
                person.id,
                person.name,
                None if distance == float("inf") else round(distance, 3),
                suggested=i == 0 and close and person.id != face.person_id,
            )
        )
    return out


def _nobody() -> pw.Expression:
    visible = Photo.select(Photo.id).where(
        (Photo.status == "ok") & Photo.trashed_at.is_null() & not_private()
    )
    return (
        Face.person.is_null()
        & (Face.dismissed == False)  # noqa: E712
        & Face.photo.in_(visible)
    )


SAME_PERSON_GUESS = 0.6  # dlib's own same-person cut-off: a guess the family confirms


def _guess_groups(faces: list[Face]) -> dict[int, int]:
    """Face id -> group (the id of its first face) for faces that look like one person:
    within dlib's cut-off of the group's first face, one face per photo. Looser than
    clustering (which founds a person only on closer faces), because the family decides:
    the page shows a group together and names it with one name."""
    vectors = {f.id: _vector(f.descriptor) for f in faces if f.usable and f.descriptor}
    groups: dict[int, int] = {}
    for seed in faces:
        if seed.id in groups or seed.id not in vectors:
            continue
        photos = {seed.photo_id}
        members = [seed.id]
        for other in faces:
            if other.id in groups or other.id == seed.id or other.id not in vectors:
                continue
            near = np.linalg.norm(vectors[other.id] - vectors[seed.id]) <= SAME_PERSON_GUESS
            if near and other.photo_id not in photos:
                photos.add(other.photo_id)
                members.append(other.id)
        if len(members) > 1:
            groups.update(dict.fromkeys(members, seed.id))
    return groups


def faces_of_nobody(limit: int = 60, offset: int = 0) -> tuple[list[FaceRef], int]:
    """Faces no person holds and nobody dismissed (best first), with clustering's
    suggestion for each and, within the page, groups of faces that look like one person
    (a group's faces follow its first one); and how many there are in all."""
    limit, offset = max(1, min(int(limit), MAX_PAGE)), max(0, int(offset))
    query = Face.select().where(_nobody())
    total = query.count()
    rows = list(query.order_by(Face.quality.desc(), Face.id).limit(limit).offset(offset))
    groups = _guess_groups(rows)
    order = {face.id: i for i, face in enumerate(rows)}
    rows.sort(key=lambda f: (order[groups.get(f.id, f.id)], order[f.id]))
    out = []
    for face in rows:
        choices = name_choices(face.id)
        suggestion = choices[0] if choices and choices[0].suggested else None
        out.append(FaceRef(face.id, face.photo_id, None, suggestion, groups.get(face.id)))
    return out, total


def dismiss_face(face_id: int, dismissed: bool = True) -> None:
    """Mark a face of nobody as not someone to name (a stranger, a poster); undo with False.
    A face that belongs to a person is taken out of it first (remembered as a rejection)."""
    with database_proxy.atomic():
        face = _face(face_id)
        if dismissed and face.person_id is not None:
            FaceRejection.get_or_create(face=face_id, person=face.person_id)
            person_id = face.person_id
            face.person = None
            refresh_pending = [person_id]
        else:
            refresh_pending = []
        face.dismissed = dismissed
        face.assignment = "manual" if dismissed else None
        face.save()
        refresh_people(refresh_pending)


def set_hidden(person_id: int, hidden: bool) -> Person:
    """Hide a person from the people page, suggestions and search suggestions (or show it
    again); the faces and the name stay."""
    person = _person(person_id)
    person.hidden = bool(hidden)
    person.updated_at = utcnow()
    person.save()
    return person


def set_cover(person_id: int, face_id: int) -> Person:
    """Choose the face a person is shown with; it stays while it is one of its faces."""
    person = _person(person_id)
    face = _face(face_id)
    if face.person_id != person_id:
        raise PeopleError(f"face {face_id} is not one of person {person_id}'s faces")
    person.cover_face_id = face_id
    person.cover_chosen = True
    person.updated_at = utcnow()
    person.save()
    return person


def faces_of(person_id: int, limit: int = 60) -> list[FaceRef]:
    """A person's faces, best first (to choose a cover or preview a merge)."""
    _person(person_id)
    rows = (
        Face.select(Face.id, Face.photo, Face.person)
        .join(Photo)
        .where((Face.person == person_id) & (Photo.status == "ok") & Photo.trashed_at.is_null())
        .where(not_private())
        .order_by(Face.quality.desc(), Face.id)
        .limit(max(1, min(int(limit), MAX_PAGE)))
    )
    return [FaceRef(f.id, f.photo_id, f.person_id) for f in rows]


def face_for_crop(face_id: int) -> tuple[Face, Photo] | None:
    """A face and its photo when the photo is visible (catalogued fine, not in the trash)."""
    row = (
        Face.select(Face, Photo)
        .join(Photo)
        .where((Face.id == face_id) & (Photo.status == "ok") & Photo.trashed_at.is_null())
        .first()
    )
    return (row, row.photo) if row else None
