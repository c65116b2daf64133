"""Decisions found in a file's XMP (embedded or sidecar) brought into the catalog.

On import, and when a sidecar changed outside Shoebox, the rating, title, description,
keywords (-> manual labels), named face regions (-> faces of named people), an edited
date or place and the picture's edit become catalog decisions, exactly as if a person had
made them in Shoebox.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from peewee import fn

from appliance.catalog import photo_edits
from appliance.catalog.labels import keep_label, relabel
from appliance.catalog.models import Face, Label, Person, Photo, PhotoLabel, utcnow
from appliance.catalog.people import MANUAL, refresh_people
from appliance.catalog.private import private_from_sidecar
from appliance.media.regions import FaceRegion
from appliance.media.xmp_write import PEOPLE_ROOT

log = logging.getLogger(__name__)
FAVOURITE_RATING = 5
MATCH_IOU = 0.3


def has_decisions(meta: Any) -> bool:
    """Whether ``meta`` (a media Metadata) carries anything a person decided."""
    return bool(
        meta is not None
        and (
            getattr(meta, "rating", None) not in (None, 0)
            or getattr(meta, "title", None)
            or getattr(meta, "description", None)
            or getattr(meta, "keywords", None)
            or getattr(meta, "hierarchical_keywords", None)
            or any(r.name for r in getattr(meta, "regions", []))
            or getattr(meta, "taken_at_source", None) == "sidecar"
            or getattr(meta, "sidecar", None)
        )
    )


def keyword_labels(meta: Any) -> list[str]:
    """Flat keywords plus the leaves of hierarchical ones, without person names."""
    people = {r.name for r in meta.regions if r.name} | set(meta.people)
    found: list[str] = []
    for entry in meta.hierarchical_keywords:
        parts = [p.strip() for p in entry.split("|") if p.strip()]
        if parts and parts[0] != PEOPLE_ROOT and parts[0] != "People":
            found.append(parts[-1])
        elif parts:
            people.add(parts[-1])
    found += meta.keywords
    out: list[str] = []
    for word in found:
        name = " ".join(word.split()).lower()
        if name and word not in people and name not in out:
            out.append(name)
    return out


def apply_metadata(photo_id: int, meta: Any, *, replace: bool = False) -> None:
    """Make the decisions in ``meta`` the photo's decisions (inside the caller's transaction).

    ``replace``: the sidecar was edited outside Shoebox, so manual labels it no longer
    lists are dropped; on import (False) decisions are only added.
    """
    photo = Photo.get_by_id(photo_id)
    values: dict[str, Any] = {}
    if meta.rating is not None:
        values["rating"] = meta.rating
        values["favorite"] = meta.rating >= FAVOURITE_RATING
    if meta.title:
        values["title"] = meta.title
    if meta.description:
        values["description"] = meta.description
    if meta.taken_at_source == "sidecar" and meta.taken_at is not None:
        values.update(
            taken_at=meta.taken_at,
            taken_at_offset=meta.taken_at_offset,
            taken_at_source="sidecar",
            sort_time=meta.taken_at,
        )
    if meta.place_source == "sidecar" and (photo.latitude, photo.longitude, photo.place_source) != (
        meta.latitude,
        meta.longitude,
        "sidecar",
    ):
        values.update(latitude=meta.latitude, longitude=meta.longitude, place_source="sidecar")
    recipe = _recipe(getattr(meta, "edits", None))
    if recipe and photo_edits.parse(photo.edits) != recipe:
        values["edits"] = json.dumps(recipe, sort_keys=True)
    if values:
        values["updated_at"] = utcnow()
        Photo.update(**values).where(Photo.id == photo_id).execute()
    if getattr(meta, "private", False):  # never made public again by a sidecar
        private_from_sidecar(photo_id, getattr(meta, "owner_name", None))
    _apply_labels(photo_id, keyword_labels(meta), replace)
    _apply_regions(photo, [r for r in meta.regions if r.name])
    relabel(photo_id)  # a title or keyword may name the animal the classifier missed


def _recipe(raw: Any) -> dict[str, Any] | None:
    """A sidecar's edit as a recipe Shoebox applies; one it cannot is left out (logged)."""
    try:
        return photo_edits.normalise(raw)
    except photo_edits.EditRecipeError as exc:
        log.warning("a sidecar's edit is not one Shoebox can apply: %s", exc)
        return None


def _apply_labels(photo_id: int, names: list[str], replace: bool) -> None:
    for name in names:
        keep_label(photo_id, name)  # merged once, by `apply_metadata`'s relabel
    if replace:
        keep = [label.id for label in Label.select().where(Label.name.in_(names or [""]))]
        PhotoLabel.delete().where(
            (PhotoLabel.photo == photo_id)
            & (PhotoLabel.source == "manual")
            & (PhotoLabel.removed == False)  # noqa: E712
            & PhotoLabel.label.not_in(keep or [0])
        ).execute()


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _box(face: Face) -> tuple[float, float, float, float]:
    return face.box_x, face.box_y, face.box_w, face.box_h


def person_named(name: str) -> Person:
    """The person with this name (the oldest, if several), created when there is none."""
    person = (
        Person.select().where(fn.LOWER(Person.name) == name.lower()).order_by(Person.id).first()
    )
    return person or Person.create(name=name)


def _apply_regions(photo: Photo, regions: list[FaceRegion]) -> None:
    """Each named region names the detected face it covers, or becomes a face itself."""
    if not regions or not photo.width or not photo.height:
        return
    faces = list(Face.select().where(Face.photo == photo.id))
    touched: set[int] = set()
    for region in regions:
        box = (
            region.x * photo.width,
            region.y * photo.height,
            region.w * photo.width,
            region.h * photo.height,
        )
        best = max(faces, key=lambda f: _iou(box, _box(f)), default=None)
        person = person_named(region.name or "")
        if best is not None and _iou(box, _box(best)) >= MATCH_IOU:
            faces.remove(best)
            if best.person_id is not None:
                touched.add(best.person_id)
            Face.update(person=person.id, assignment=MANUAL).where(Face.id == best.id).execute()
        else:
            Face.create(
                photo=photo.id,
                box_x=box[0],
                box_y=box[1],
                box_w=box[2],
                box_h=box[3],
                keypoints=json.dumps([]),
                score=0.0,
                person=person.id,
                assignment=MANUAL,
            )
        touched.add(person.id)
    refresh_people(touched)


def name_people(photo_id: int, names: list[str]) -> int:
    """People another library named on a photo, without where (a Google Takeout's
    ``people``): each becomes a person of this library; when the photo shows exactly as many
    faces as there are names and that is one, the face is named (manual; it leaves the
    person clustering guessed). Returns how many faces were named. With several, which face
    is whom is not known here: :func:`name_faces_by_likeness` decides once the other photos
    of the export are in."""
    people = [person_named(name) for name in dict.fromkeys(n.strip() for n in names) if name]
    faces = list(
        Face.select().where(
            (Face.photo == photo_id) & (Face.dismissed == False)  # noqa: E712
        )
    )
    if len(people) != 1 or len(faces) != 1 or faces[0].assignment == MANUAL:
        return 0  # a face the family named stays theirs; clustering's guess gives way
    earlier = faces[0].person_id
    Face.update(person=people[0].id, assignment=MANUAL).where(Face.id == faces[0].id).execute()
    refresh_people({people[0].id} | ({earlier} if earlier else set()))
    return 1


def name_faces_by_likeness(photo_id: int, names: list[str]) -> int:
    """The second step for a photo another library named several people on (without
    where): each of its faces not named yet goes to the named person whose faces it looks
    like (the distance to the person's mean within clustering's match radius), closest
    pair first, one face per person; when one face and one name are then left and the
    photo shows as many faces as names, that face is the last name. Run once the export's
    other photos are in (they give the people their faces). Returns how many faces were
    named."""
    import numpy as np

    from appliance.face_clusters import ClusterParams

    people = [person_named(name) for name in dict.fromkeys(n.strip() for n in names) if name]
    faces = list(
        Face.select().where((Face.photo == photo_id) & (Face.dismissed == False))  # noqa: E712
    )
    taken = {f.person_id for f in faces if f.assignment == MANUAL and f.person_id}
    open_people = [p for p in people if p.id not in taken]
    open_faces = [f for f in faces if f.assignment != MANUAL]
    radius = ClusterParams().match_radius
    pairs: list[tuple[float, Face, Person]] = []
    for person in open_people:
        if person.centroid is None:
            continue
        centre = np.frombuffer(bytes(person.centroid), dtype=np.float32)
        for face in open_faces:
            if face.usable and face.descriptor is not None:
                mine = np.frombuffer(bytes(face.descriptor), dtype=np.float32)
                if mine.shape == centre.shape:
                    pairs.append((float(np.linalg.norm(mine - centre)), face, person))
    chosen: dict[int, Person] = {}
    for distance, face, person in sorted(pairs, key=lambda x: x[0]):
        if distance <= radius and face.id not in chosen and person not in chosen.values():
            chosen[face.id] = person
    left_faces = [f for f in open_faces if f.id not in chosen]
    left_people = [p for p in open_people if p not in chosen.values()]
    if len(faces) == len(people) and len(left_faces) == len(left_people) == 1:
        chosen[left_faces[0].id] = left_people[0]
    touched = {f.person_id for f in open_faces if f.person_id}
    for face_id, person in chosen.items():
        Face.update(person=person.id, assignment=MANUAL).where(Face.id == face_id).execute()
        touched.add(person.id)
    refresh_people(touched)
    return len(chosen)
