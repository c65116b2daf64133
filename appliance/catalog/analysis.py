"""Catalog side of the vision stages: which photos need them, and storing their results."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from appliance.catalog.labels import save_model_labels
from appliance.catalog.models import Face, Photo, utcnow

LABELS_VERSION = 1
FACES_VERSION = 1


def photos_needing_labels(everything: bool = False) -> list[tuple[int, str]]:
    """(photo id, thumbnail sha256) of photos to classify."""
    query = Photo.select(Photo.id, Photo.primary_sha256).where(Photo.primary_sha256.is_null(False))
    if not everything:
        query = query.where(Photo.labels_version < LABELS_VERSION)
    return [(p.id, p.primary_sha256) for p in query.order_by(Photo.id)]


def photos_needing_faces() -> list[tuple[int, str, int]]:
    """(photo id, thumbnail sha256, displayed width) of photos whose faces were never sought."""
    query = Photo.select(Photo.id, Photo.primary_sha256, Photo.width).where(
        Photo.primary_sha256.is_null(False) & (Photo.faces_version < FACES_VERSION)
    )
    return [(p.id, p.primary_sha256, p.width or 0) for p in query.order_by(Photo.id)]


def face_count(photo_id: int) -> int:
    """How many faces were found on a photo (the label rules' portrait case)."""
    return Face.select().where(Face.photo == photo_id).count()


def store_labels(photo_id: int, labels: Iterable[Any]) -> None:
    with Photo._meta.database.atomic():
        save_model_labels(photo_id, labels)
        Photo.update(labels_version=LABELS_VERSION, updated_at=utcnow()).where(
            Photo.id == photo_id
        ).execute()


def insert_faces(photo_id: int, faces: Iterable[Any]) -> list[int]:
    """Insert detected faces (``FaceFound``-like objects); return their ids."""
    ids = []
    for face in faces:
        ids.append(
            Face.insert(
                photo=photo_id,
                box_x=face.box[0],
                box_y=face.box[1],
                box_w=face.box[2],
                box_h=face.box[3],
                keypoints=json.dumps([list(p) for p in face.keypoints]),
                score=face.score,
                quality=face.quality,
                usable=face.usable,
                descriptor=face.descriptor,
            ).execute()
        )
    return ids


def store_faces(photo_id: int, faces: Iterable[Any]) -> list[int]:
    with Photo._meta.database.atomic():
        ids = insert_faces(photo_id, faces)
        Photo.update(faces_version=FACES_VERSION, updated_at=utcnow()).where(
            Photo.id == photo_id
        ).execute()
    return ids
