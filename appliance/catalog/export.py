"""The catalog as plain data: one dict per photo (the `shoebox export` format)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee as pw

from appliance.catalog import photo_edits
from appliance.catalog.fields import json_safe
from appliance.catalog.models import (
    Album,
    AlbumPhoto,
    Face,
    File,
    Label,
    Location,
    Person,
    Photo,
    PhotoLabel,
    PhotoText,
    Stack,
    User,
)
from appliance.catalog.photo_fields import shared_fields

BATCH = 500


def iso_taken_at(photo: Photo) -> str | None:
    """ISO 8601 capture time, with its UTC offset when known."""
    if photo.taken_at is None:
        return None
    taken = photo.taken_at
    if photo.taken_at_offset is not None:
        taken = taken.replace(tzinfo=dt.timezone(dt.timedelta(minutes=photo.taken_at_offset)))
    return taken.isoformat()


def _group(rows: Any, key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _file_dict(file: File, locations: list[Location], originals: Path) -> dict[str, Any]:
    paths = [loc.path for loc in locations]
    path = str(originals / file.stored_path) if file.stored_path else (paths[0] if paths else None)
    return {
        "path": path,
        "sha256": file.sha256,
        "mime": file.mime,
        "size": file.size,
        "role": file.role,
        "width": file.width,
        "height": file.height,
        "error": file.error,
        "warnings": [w for w in file.warnings.split("\n") if w],
        "stored_path": file.stored_path,
        "seen_at": paths,
        "missing": bool(locations) and all(loc.missing for loc in locations),
        **_movie_dict(file),
    }


def _movie_dict(file: File) -> dict[str, Any]:
    """The movie a file plays (a video, or the movie inside a Motion Photo), if any."""
    if file.playback is None:
        return {}
    return {
        "duration": file.duration,
        "video_codec": file.video_codec,
        "audio_codec": file.audio_codec,
        "frame_rate": file.frame_rate,
        "rotation": file.rotation,
        "playback": file.playback,
    }


def _photos_batch(photos: list[Photo], originals: Path) -> Iterator[dict[str, Any]]:
    ids = [p.id for p in photos]
    files = _group(File.select().where(File.photo.in_(ids)).order_by(File.id), "photo_id")
    file_ids = [f.id for group in files.values() for f in group]
    locations = _group(
        Location.select().where(Location.file.in_(file_ids)).order_by(Location.id), "file_id"
    )
    labels = _group(
        PhotoLabel.select(PhotoLabel, Label)
        .join(Label)
        .where(PhotoLabel.photo.in_(ids) & (PhotoLabel.removed == False))  # noqa: E712
        .order_by(PhotoLabel.confidence.desc()),
        "photo_id",
    )
    faces = _group(
        Face.select(Face, Person).join(Person, pw.JOIN.LEFT_OUTER).where(Face.photo.in_(ids)),
        "photo_id",
    )
    albums = _group(
        AlbumPhoto.select(AlbumPhoto, Album).join(Album).where(AlbumPhoto.photo.in_(ids)),
        "photo_id",
    )
    stack_ids = {p.stack_id for p in photos if p.stack_id is not None}
    best = dict(
        Stack.select(Stack.id, Stack.best_photo_id).where(Stack.id.in_(list(stack_ids))).tuples()
    )
    texts = {
        row[0]: row[1:]
        for row in PhotoText.select(PhotoText.photo, PhotoText.text, PhotoText.kind)
        .where(PhotoText.photo.in_(ids))
        .tuples()
    }
    owner_ids = {p.owner_id for p in photos if p.owner_id is not None}
    owners = dict(User.select(User.id, User.username).where(User.id.in_(list(owner_ids))).tuples())
    for photo in photos:
        photo_faces = faces.get(photo.id, [])
        people = {f.person_id: f.person.name for f in photo_faces if f.person_id is not None}
        yield {
            "id": photo.id,
            "status": photo.status,
            **shared_fields(photo),
            "files": [_file_dict(f, locations.get(f.id, []), originals) for f in files[photo.id]],
            "taken_at": iso_taken_at(photo),
            "favorite": photo.favorite,
            "archived": photo.archived,
            "owner": owners.get(photo.owner_id),
            "private": bool(photo.private),  # only its owner sees it (catalog.private)
            "edits": photo_edits.parse(photo.edits),  # the edit's recipe (photo_edits) or None
            "labels": [
                {"name": r.label.name, "confidence": round(r.confidence, 4), "source": r.source}
                for r in labels.get(photo.id, [])
            ],
            "faces": [
                {
                    "box": [round(v, 1) for v in (f.box_x, f.box_y, f.box_w, f.box_h)],
                    "score": round(f.score, 4),
                    "person": f.person_id,
                }
                for f in photo_faces
            ],
            "people": [{"id": pid, "name": name} for pid, name in sorted(people.items())],
            "albums": [
                {"id": e.album_id, "title": e.album.title} for e in albums.get(photo.id, [])
            ],
            "quality": None if photo.quality is None else round(photo.quality, 4),
            # the text recognised in the picture ("" when none, or not read yet)
            "text": texts.get(photo.id, ("", None))[0],
            "text_kind": texts.get(photo.id, ("", None))[1],  # screenshot | document | None
            "stack": (
                {"id": photo.stack_id, "best": best[photo.stack_id]}
                if photo.stack_id in best
                else None
            ),
        }


def iter_export(originals: Path) -> Iterator[dict[str, Any]]:
    """Every photo, oldest first, in batches (constant memory for big libraries)."""
    last_id = 0
    while True:
        batch = list(Photo.select().where(Photo.id > last_id).order_by(Photo.id).limit(BATCH))
        if not batch:
            return
        yield from _photos_batch(batch, originals)
        last_id = batch[-1].id


def write_json(out: Any, originals: Path) -> int:
    """Stream the export as one JSON array; return the number of photos."""
    count = 0
    out.write("[")
    for record in iter_export(originals):
        out.write(",\n" if count else "\n")
        out.write(json_safe(json.dumps(record, ensure_ascii=False)))
        count += 1
    out.write("\n]\n")
    return count
