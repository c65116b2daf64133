"""People in the catalog: clustering faces into persons and the user's corrections.

Face.assignment says how a face got its person: ``auto`` (clustering), ``manual`` (a user
decision: naming, merging, assigning) or, for faces without a person, ``pending`` (looked
at, no match yet) and NULL (not looked at yet). ``FaceRejection`` rows remember "this face
is not that person"; clustering never puts such a face back.

Naming a person confirms the faces it shows at that moment (they become ``manual``).
Re-clustering redoes only ``auto`` and ``pending`` faces, and never touches named or hidden
people or manual faces.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import peewee as pw

from appliance.catalog.models import Face, FaceRejection, Person, Photo, database_proxy, utcnow
from appliance.catalog.private import not_private
from appliance.catalog.queries import face_crop
from appliance.errors import BadRequest, NotFound
from appliance.face_clusters import Assignment, Clusterer, ClusterParams, FaceVector

AUTO, MANUAL, PENDING = "auto", "manual", "pending"
MAX_NAME = 200


class PeopleError(BadRequest):
    """A people operation was asked for something that does not exist or makes no sense."""


class PersonNotFound(NotFound, PeopleError):
    """No such person or face, or a face without a person."""


@dataclass(frozen=True)
class PersonInfo:
    """One person as every listing shows it (web page, API, ``shoebox people``)."""

    id: int
    name: str | None
    face_count: int
    cover_face_id: int | None
    hidden: bool
    cover: str | None = None  # content hash of the photo holding the cover face
    crop: dict[str, float] | None = None  # CSS geometry that shows the cover face
    face_id: int | None = None  # the cover face (its crop is served at /media/face/<id>.jpg)

    def as_json(self) -> dict[str, Any]:
        """The API's (and the templates') shape of a person."""
        return {
            "id": self.id,
            "name": self.name,
            "count": self.face_count,
            "cover": self.cover,
            "crop": self.crop,
            "face_id": self.face_id,
        }


@dataclass(frozen=True)
class ClusterStats:
    looked_at: int  # faces placed in this run
    assigned: int  # of which went to a person
    new_people: int
    pending: int  # still waiting for a match


def _vector(face: Face) -> np.ndarray:
    return np.frombuffer(bytes(face.descriptor), dtype=np.float32)


def _usable() -> pw.Expression:
    return (Face.usable == True) & Face.descriptor.is_null(False)  # noqa: E712


def _not_dismissed() -> pw.Expression:
    """Faces the family dismissed ("nobody to name") stay out of every person."""
    return Face.dismissed == False  # noqa: E712


def _rejections() -> dict[int, frozenset[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for face_id, person_id in FaceRejection.select(
        FaceRejection.face, FaceRejection.person
    ).tuples():
        out[face_id].add(person_id)
    return {k: frozenset(v) for k, v in out.items()}


def _face_vector(face: Face, rejected: dict[int, frozenset[int]]) -> FaceVector:
    return FaceVector(face.id, face.photo_id, _vector(face), rejected.get(face.id, frozenset()))


def _named_ids() -> set[int]:
    return {p.id for p in Person.select(Person.id).where(Person.name.is_null(False))}


def _get_person(person_id: int) -> Person:
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise PersonNotFound(f"no person with id {person_id}")
    return person


def refresh_people(person_ids: Iterable[int] | None = None) -> None:
    """Recompute face count, centroid and cover face of the given (default: all) people."""
    query = Person.select()
    if person_ids is not None:
        ids = sorted(set(person_ids))
        if not ids:
            return
        query = query.where(Person.id.in_(ids))
    for person in query:
        faces = list(Face.select().where(Face.person == person.id))
        vectors = [_vector(f) for f in faces if f.usable and f.descriptor is not None]
        person.face_count = len(faces)
        person.centroid = np.mean(vectors, axis=0).astype(np.float32).tobytes() if vectors else None
        best = max(faces, key=lambda f: (f.quality, -f.id), default=None)
        chosen = person.cover_chosen and person.cover_face_id in {f.id for f in faces}
        if not chosen:  # a cover the family chose stays while it is one of the faces
            person.cover_face_id = best.id if best else None
            person.cover_chosen = False
        person.updated_at = utcnow()
        person.save()


def _write(assignments: list[Assignment], reuse: dict[int, int] | None = None) -> dict[int, int]:
    """Store assignments; new-person keys become Person rows (or reuse ``reuse[key]``)."""
    created: dict[int, int] = dict(reuse or {})
    by_person: dict[int, list[int]] = defaultdict(list)
    for a in assignments:
        if a.person <= 0 and a.person not in created:
            created[a.person] = Person.create().id
        by_person[created.get(a.person, a.person)].append(a.face)
    for person_id, face_ids in by_person.items():
        Face.update(person=person_id, assignment=AUTO).where(Face.id.in_(face_ids)).execute()
    return created


def _place(clusterer: Clusterer, faces: list[Face], rejected: dict) -> list[Assignment]:
    """Add faces best first, then let pending faces try the people that grew."""
    out: list[Assignment] = []
    since = clusterer.members.count
    for face in sorted(faces, key=lambda f: (-f.quality, f.id)):
        out += clusterer.add(_face_vector(face, rejected))
    out += clusterer.retry_pending(since)
    return out


def assign_new_faces(face_ids: Iterable[int] | None = None) -> ClusterStats:
    """Place faces not looked at yet (default: all of them) into people, incrementally.

    Cost per face is one distance computation against the faces already in people and the
    pending pool; nothing already decided moves.
    """
    with database_proxy.atomic():
        query = Face.select().where(
            _usable() & Face.person.is_null() & Face.assignment.is_null() & _not_dismissed()
        )
        if face_ids is not None:
            query = query.where(Face.id.in_(list(face_ids)))
        new = list(query)
        if not new:
            return ClusterStats(0, 0, 0, 0)
        rejected = _rejections()
        clusterer = Clusterer(ClusterParams(), _named_ids())
        for face in Face.select().where(_usable() & Face.person.is_null(False)):
            clusterer.add_member(_face_vector(face, rejected), face.person_id)
        for face in Face.select().where(_usable() & (Face.assignment == PENDING)):
            clusterer.add_pending(_face_vector(face, rejected))
        assignments = _place(clusterer, new, rejected)
        created = _write(assignments)
        placed = {a.face for a in assignments}
        waiting = [f.id for f in new if f.id not in placed]
        if waiting:
            Face.update(assignment=PENDING).where(Face.id.in_(waiting)).execute()
        refresh_people({created.get(a.person, a.person) for a in assignments})
        return ClusterStats(len(new), len(placed & {f.id for f in new}), len(created), len(waiting))


def recluster() -> ClusterStats:
    """Cluster every automatic face again from scratch, keeping every user decision.

    Kept as they are: manual faces, named people, hidden people (with all their faces) and
    rejections. Unnamed automatic people are rebuilt; a rebuilt person keeps the id of the
    old person most of its faces came from, so links stay valid where possible.
    """
    with database_proxy.atomic():
        kept = {
            p.id
            for p in Person.select(Person.id).where(
                Person.name.is_null(False) | (Person.hidden == True)  # noqa: E712
            )
        }
        kept |= {
            f.person_id
            for f in Face.select(Face.person).where(Face.assignment == MANUAL).distinct()
        }
        hidden = {p.id for p in Person.select(Person.id).where(Person.hidden == True)}  # noqa: E712
        old_person = {
            f.id: f.person_id
            for f in Face.select(Face.id, Face.person).where(
                (Face.assignment == AUTO) & Face.person.is_null(False)
            )
        }
        reset = Face.update(person=None, assignment=None).where(
            (Face.assignment == PENDING)
            | ((Face.assignment == AUTO) & (Face.person.is_null() | Face.person.not_in(hidden)))
        )
        reset.execute()
        rejected = _rejections()
        clusterer = Clusterer(ClusterParams(), _named_ids())
        for face in Face.select().where(_usable() & Face.person.is_null(False)):
            clusterer.add_member(_face_vector(face, rejected), face.person_id)
        todo = list(Face.select().where(_usable() & Face.person.is_null() & _not_dismissed()))
        assignments = _place(clusterer, todo, rejected)
        reuse = _stable_ids(assignments, old_person, kept)
        _write(assignments, reuse)
        placed = {a.face for a in assignments}
        waiting = [f.id for f in todo if f.id not in placed]
        if waiting:
            Face.update(assignment=PENDING).where(Face.id.in_(waiting)).execute()
        used = {f.person_id for f in Face.select(Face.person).where(Face.person.is_null(False))}
        Person.delete().where(Person.id.not_in(used | kept)).execute()
        refresh_people()
        new_people = len({a.person for a in assignments if a.person <= 0} - set(reuse))
        return ClusterStats(len(todo), len(placed), new_people, len(waiting))


def _stable_ids(
    assignments: list[Assignment], old_person: dict[int, int], kept: set[int]
) -> dict[int, int]:
    """New-person key -> the old automatic person most of its faces came from."""
    votes: dict[int, Counter] = defaultdict(Counter)
    for a in assignments:
        if a.person <= 0 and a.face in old_person:
            votes[a.person][old_person[a.face]] += 1
    reuse: dict[int, int] = {}
    taken = set(kept)
    for key, counter in sorted(votes.items(), key=lambda kv: -sum(kv[1].values())):
        for old, _ in counter.most_common():
            if old not in taken:
                reuse[key] = old
                taken.add(old)
                break
    return reuse


def name_person(person_id: int, name: str) -> Person:
    """Name (or rename) a person; its current faces become confirmed (manual)."""
    if not isinstance(name, str) or not name.strip():
        raise PeopleError("a person's name must be a non-empty text")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise PeopleError(f"a person's name is at most {MAX_NAME} characters")
    with database_proxy.atomic():
        person = _get_person(person_id)
        person.name = name
        person.updated_at = utcnow()
        person.save()
        Face.update(assignment=MANUAL).where(Face.person == person_id).execute()
        return person


def merge_people(into_id: int, from_id: int) -> Person:
    """Move every face of ``from_id`` into ``into_id`` (as manual) and delete ``from_id``.

    Faces the user removed from either person stay out of the merged one.
    """
    if into_id == from_id:
        raise PeopleError("cannot merge a person into itself")
    with database_proxy.atomic():
        into, source = _get_person(into_id), _get_person(from_id)
        Face.update(person=into_id, assignment=MANUAL).where(
            Face.person.in_([into_id, from_id])
        ).execute()
        for rejection in FaceRejection.select().where(FaceRejection.person == from_id):
            FaceRejection.get_or_create(face=rejection.face_id, person=into_id)
        if into.name is None and source.name is not None:
            into.name = source.name
        into.hidden = into.hidden and source.hidden
        into.save()
        source.delete_instance()
        refresh_people([into_id])
        return Person.get_by_id(into_id)


@dataclass(frozen=True)
class MergeUndo:
    """What puts a merge back: the faces the other person brought, its name and whether
    it was hidden, and the kept person's name before the merge (it may have taken the
    other's)."""

    face_ids: list[int]
    name: str | None
    hidden: bool
    into_name: str | None


def merge_with_undo(into_id: int, from_id: int) -> tuple[Person, MergeUndo]:
    """:func:`merge_people`, and what undoes it, read in the same transaction."""
    with database_proxy.atomic():
        into, source = _get_person(into_id), _get_person(from_id)
        faces = Face.select(Face.id).where(Face.person == from_id).order_by(Face.id)
        undo = MergeUndo([f.id for f in faces], source.name, bool(source.hidden), into.name)
        return merge_people(into_id, from_id), undo


def unmerge_people(into_id: int, undo: MergeUndo) -> Person:
    """Undo a merge: the faces the other person brought (those still in ``into_id``) go to
    a person of their own again, with its name; the kept person gets its old name back."""
    for name in (undo.name, undo.into_name):
        if name is not None and (not name.strip() or len(name) > MAX_NAME):
            raise PeopleError(f"a person's name is a text of 1 to {MAX_NAME} characters")
    with database_proxy.atomic():
        into = _get_person(into_id)
        moving = [
            f.id
            for f in Face.select(Face.id).where(
                (Face.person == into_id) & Face.id.in_(list(undo.face_ids) or [0])
            )
        ]
        if not moving:
            raise PeopleError(f"none of those faces is in person {into_id} any more")
        restored = Person.create(name=undo.name, hidden=undo.hidden)
        Face.update(person=restored.id, assignment=MANUAL).where(Face.id.in_(moving)).execute()
        if into.name != undo.into_name:
            into.name = undo.into_name
            into.updated_at = utcnow()
            into.save()
        refresh_people([into_id, restored.id])
        return Person.get_by_id(restored.id)


def remove_face(face_id: int) -> None:
    """Take a face out of its person for good; it may still go to another person later."""
    with database_proxy.atomic():
        face = Face.get_or_none(Face.id == face_id)
        if face is None:
            raise PersonNotFound(f"no face with id {face_id}")
        if face.person_id is None:
            raise PersonNotFound(f"face {face_id} belongs to no person")
        person_id = face.person_id
        FaceRejection.get_or_create(face=face_id, person=person_id)
        face.person = None
        face.assignment = None
        face.save()
        refresh_people([person_id])


def assign_face(face_id: int, person_id: int) -> None:
    """A user puts a face into a person (manual); lifts an earlier rejection for that pair."""
    with database_proxy.atomic():
        face = Face.get_or_none(Face.id == face_id)
        if face is None:
            raise PersonNotFound(f"no face with id {face_id}")
        _get_person(person_id)
        previous = face.person_id
        FaceRejection.delete().where(
            (FaceRejection.face == face_id) & (FaceRejection.person == person_id)
        ).execute()
        face.person = person_id
        face.assignment = MANUAL
        face.save()
        refresh_people([p for p in (previous, person_id) if p is not None])


def name_face(face_id: int, name: str) -> int:
    """Click-to-name: put the face into the person called ``name`` (creating it if needed),
    or simply name its person when that person has no name yet. Returns the person id."""
    name = " ".join((name or "").split())
    if not name:
        raise PeopleError("a person's name must be a non-empty text")
    face = Face.get_or_none(Face.id == face_id)
    if face is None:
        raise PersonNotFound(f"no face with id {face_id}")
    existing = Person.get_or_none(pw.fn.LOWER(Person.name) == name.lower())
    if existing is not None:
        if face.person_id != existing.id:
            assign_face(face_id, existing.id)
        return existing.id
    if face.person_id is not None and face.person.name is None:
        name_person(face.person_id, name)
        return face.person_id
    person = Person.create(name=name)
    assign_face(face_id, person.id)
    return person.id


def get_person(person_id: int) -> Person:
    """The person (raises PersonNotFound, a 404)."""
    return _get_person(person_id)


def list_people(include_hidden: bool = False, include_unnamed: bool = True) -> list[PersonInfo]:
    """People with faces (counted now, from the face table), named first, then by number
    of faces, then by name; with the cover face (the chosen one, else the first) and its
    crop. The one listing behind the people page, the API and ``shoebox people``."""
    select = Person.select()
    if not include_hidden:
        select = select.where(Person.hidden == False)  # noqa: E712
    if not include_unnamed:
        select = select.where(Person.name.is_null(False))
    persons = list(select)
    ids = [p.id for p in persons]
    in_sight = Face.photo.not_in(Photo.select(Photo.id).where(~not_private()))
    counts = dict(
        Face.select(Face.person, pw.fn.COUNT(Face.id))
        .where(Face.person.in_(ids) & in_sight)
        .group_by(Face.person)
        .tuples()
    )
    first_faces = dict(
        Face.select(Face.person, pw.fn.MIN(Face.id))
        .where(Face.person.in_(ids) & in_sight)
        .group_by(Face.person)
        .tuples()
    )
    face_ids = {p.cover_face_id for p in persons if p.cover_face_id} | set(first_faces.values())
    faces = {
        f.id: f
        for f in Face.select(Face, Photo).join(Photo).where(Face.id.in_(face_ids) & not_private())
    }
    listed = []
    for person in persons:
        count = counts.get(person.id, 0)
        if not count:
            continue
        face = faces.get(person.cover_face_id) or faces.get(first_faces.get(person.id))
        listed.append(
            PersonInfo(
                person.id,
                person.name,
                count,
                person.cover_face_id,
                person.hidden,
                cover=face.photo.primary_sha256 if face else None,
                crop=face_crop(face, face.photo) if face else None,
                face_id=face.id if face else None,
            )
        )
    return sorted(
        listed, key=lambda p: (p.name is None, -p.face_count, (p.name or "").lower(), p.id)
    )
