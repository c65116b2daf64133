"""Stacks: near-duplicates, bursts and copies of one shot shown as one tile.

The writer stores each photo's hash and quality (:func:`save_measured`); after each batch
the runner calls :func:`group_photos`, which links a new photo to

* **similar** photos: perceptual hashes within :data:`NEAR_RADIUS` bits (resized copies,
  re-encodes, other formats, orientation variants), found through the multi-index
  (four indexed 16-bit segments, see ``moments.hashindex``);
* a **burst** or an HDR/non-HDR pair: same camera, taken within :data:`BURST_SECONDS`,
  hashes within :data:`BURST_RADIUS`;
* the **same shot**: same camera and the same capture second (edited copies, RAW
  conversions), hashes within :data:`SAME_SHOT_RADIUS` (or no pixels to compare).

A stack's shown photo is the user's chosen cover, else its best quality. The user's choices
(cover, unstack) are kept forever: an unstacked photo is never stacked again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Iterable

import peewee as pw

from appliance.catalog.models import Photo, PhotoHash, Setting, Stack
from appliance.moments.features import Measured
from appliance.moments.hashindex import probes
from appliance.moments.phash import hamming, segments, to_signed, to_unsigned
from appliance.moments.quality import LearnedModel, score

NEAR_RADIUS = 8
BURST_RADIUS = 20
BURST_SECONDS = 60
SAME_SHOT_RADIUS = 24  # an edited copy (crop, black and white) of the same capture second
MODEL_SETTING = "moments.quality_model"


class StackError(ValueError):
    """A stack operation that does not apply (unknown stack, photo not in it)."""


# --- the learned model --------------------------------------------------------------------


def current_model() -> LearnedModel | None:
    row = Setting.get_or_none(Setting.key == MODEL_SETTING)
    return LearnedModel.from_json(json.loads(row.value)) if row else None


def save_model(model: LearnedModel | None) -> None:
    if model is None:
        Setting.delete().where(Setting.key == MODEL_SETTING).execute()
        return
    Setting.insert(key=MODEL_SETTING, value=json.dumps(model.to_json())).on_conflict(
        conflict_target=[Setting.key], preserve=[Setting.value]
    ).execute()


# --- writing what the worker measured -----------------------------------------------------


def save_measured(photo_id: int, measured: Measured, model: LearnedModel | None = None) -> None:
    """Store a photo's features, quality and hash (inside the caller's transaction)."""
    Photo.update(
        quality=score(measured.features, model),
        quality_features=json.dumps(measured.features, sort_keys=True),
    ).where(Photo.id == photo_id).execute()
    PhotoHash.delete().where(PhotoHash.photo == photo_id).execute()
    if measured.phash is not None:
        s = segments(measured.phash)
        PhotoHash.create(
            photo=photo_id,
            value=to_signed(measured.phash),
            seg0=s[0],
            seg1=s[1],
            seg2=s[2],
            seg3=s[3],
        )


# --- finding a photo's group --------------------------------------------------------------


def _groupable() -> pw.Expression:
    return (
        (Photo.status == "ok") & Photo.trashed_at.is_null() & (Photo.unstacked == False)  # noqa: E712
    )


def similar_photos(value: int, radius: int = NEAR_RADIUS) -> list[tuple[int, int]]:
    """(photo id, distance) of every hashed photo within ``radius`` bits, via the index."""
    condition = functools.reduce(
        operator.or_,
        [
            getattr(PhotoHash, f"seg{i}").in_(probes(segment))
            for i, segment in enumerate(segments(value))
        ],
    )
    rows = PhotoHash.select(PhotoHash.photo_id, PhotoHash.value).where(condition).tuples()
    found = []
    for photo_id, stored in rows:
        distance = hamming(value, to_unsigned(stored))
        if distance <= radius:
            found.append((photo_id, distance))
    return found


def _hash_of(photo_id: int) -> int | None:
    row = PhotoHash.get_or_none(PhotoHash.photo == photo_id)
    return to_unsigned(row.value) if row else None


def links_of(photo: Photo) -> dict[int, str]:
    """Photos that belong with ``photo``, with the reason (similar, burst, same-shot)."""
    links: dict[int, str] = {}
    value = _hash_of(photo.id)
    if value is not None:
        for other, _distance in similar_photos(value):
            links.setdefault(other, "similar")
    if photo.camera_model and photo.taken_at is not None:
        window = dt.timedelta(seconds=BURST_SECONDS)
        nearby = (
            Photo.select(Photo.id, Photo.taken_at, Photo.primary_sha256, PhotoHash.value)
            .join(PhotoHash, pw.JOIN.LEFT_OUTER, on=(PhotoHash.photo == Photo.id))
            .where(
                Photo.sort_time.between(photo.sort_time - window, photo.sort_time + window)
                & (Photo.camera_model == photo.camera_model)
                & (Photo.camera_make == photo.camera_make)
                & (Photo.id != photo.id)
            )
            .tuples()
        )
        for other, taken, other_sha, other_value in nearby:
            if value is not None and other_value is not None:
                distance = hamming(value, to_unsigned(other_value))
                if taken == photo.taken_at and distance <= SAME_SHOT_RADIUS:
                    links.setdefault(other, "same-shot")
                elif distance <= BURST_RADIUS:
                    links.setdefault(other, "burst")
            elif taken == photo.taken_at and (photo.primary_sha256 is None or other_sha is None):
                links.setdefault(other, "same-shot")  # a file without pixels (RAW stub)
    links.pop(photo.id, None)
    if not links:
        return {}
    allowed = {
        p
        for (p,) in Photo.select(Photo.id).where(Photo.id.in_(list(links)) & _groupable()).tuples()
    }
    return {k: v for k, v in links.items() if k in allowed}


def group_photos(photo_ids: Iterable[int]) -> set[int]:
    """Put each photo into the stack of what it belongs with; return the stacks touched."""
    touched: set[int] = set()
    db = Photo._meta.database
    for photo_id in photo_ids:
        with db.atomic():
            photo = Photo.get_or_none((Photo.id == photo_id) & _groupable())
            if photo is None:
                continue
            links = links_of(photo)
            if not links:
                continue
            members = {photo.id, *links}
            stack_ids = {
                s
                for (s,) in Photo.select(Photo.stack_id)
                .where(Photo.id.in_(list(members)) & Photo.stack_id.is_null(False))
                .tuples()
            }
            if stack_ids:
                target = min(stack_ids)
                others = stack_ids - {target}
                if others:
                    Photo.update(stack_id=target).where(Photo.stack_id.in_(list(others))).execute()
                    _adopt_cover(target, others)
                    Stack.delete().where(Stack.id.in_(list(others))).execute()
            else:
                target = Stack.create(reason=next(iter(links.values()))).id
            Photo.update(stack_id=target).where(Photo.id.in_(list(members))).execute()
            refresh_stack(target)
            touched.add(target)
    return touched


def _adopt_cover(target: int, merged: set[int]) -> None:
    """When stacks merge, a user's cover choice survives (the target's first)."""
    stack = Stack.get_by_id(target)
    if stack.cover_photo_id is None:
        chosen = (
            Stack.select(Stack.cover_photo_id)
            .where(Stack.id.in_(list(merged)) & Stack.cover_photo_id.is_null(False))
            .first()
        )
        if chosen is not None:
            Stack.update(cover_photo_id=chosen.cover_photo_id).where(Stack.id == target).execute()


def refresh_stack(stack_id: int) -> None:
    """Recount a stack, pick its best (cover choice, else highest quality) and hide the rest.
    A stack left with fewer than two photos is dissolved."""
    stack = Stack.get_or_none(Stack.id == stack_id)
    members = list(
        Photo.select(Photo.id, Photo.quality)
        .where((Photo.stack_id == stack_id) & (Photo.status == "ok") & Photo.trashed_at.is_null())
        .order_by(Photo.id)
    )
    if stack is None or len(members) < 2:
        Photo.update(stack_id=None, stack_hidden=False).where(Photo.stack_id == stack_id).execute()
        Stack.delete().where(Stack.id == stack_id).execute()
        return
    ids = [m.id for m in members]
    if stack.cover_photo_id in ids:
        best = stack.cover_photo_id
    else:
        best = max(members, key=lambda m: (m.quality if m.quality is not None else -1, -m.id)).id
    Stack.update(best_photo_id=best, size=len(members)).where(Stack.id == stack_id).execute()
    Photo.update(stack_hidden=(Photo.id != best)).where(Photo.stack_id == stack_id).execute()


# --- the user's choices -------------------------------------------------------------------


def _stack(stack_id: int) -> Stack:
    stack = Stack.get_or_none(Stack.id == stack_id)
    if stack is None:
        raise StackError(f"no stack {stack_id}")
    return stack


def choose_cover(stack_id: int, photo_id: int) -> None:
    """The user's best shot of a stack: shown as its tile and kept forever."""
    _stack(stack_id)
    if not Photo.select().where((Photo.id == photo_id) & (Photo.stack_id == stack_id)).exists():
        raise StackError(f"photo {photo_id} is not in stack {stack_id}")
    with Photo._meta.database.atomic():
        Stack.update(cover_photo_id=photo_id).where(Stack.id == stack_id).execute()
        refresh_stack(stack_id)


def unstack_photo(photo_id: int) -> None:
    """Take one photo out of its stack for good."""
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is None or photo.stack_id is None:
        raise StackError(f"photo {photo_id} is not in a stack")
    with Photo._meta.database.atomic():
        Photo.update(stack_id=None, stack_hidden=False, unstacked=True).where(
            Photo.id == photo_id
        ).execute()
        refresh_stack(photo.stack_id)


def dissolve(stack_id: int) -> None:
    """Unstack every photo of a stack for good."""
    _stack(stack_id)
    with Photo._meta.database.atomic():
        Photo.update(stack_id=None, stack_hidden=False, unstacked=True).where(
            Photo.stack_id == stack_id
        ).execute()
        Stack.delete().where(Stack.id == stack_id).execute()


def stack_members(stack_id: int) -> list[Photo]:
    """The photos of a stack (not trashed), best first."""
    return list(
        Photo.select()
        .where((Photo.stack_id == stack_id) & (Photo.status == "ok") & Photo.trashed_at.is_null())
        .order_by(Photo.stack_hidden, Photo.quality.desc(nulls="LAST"), Photo.id)
    )


def stack_of(photo_id: int) -> dict | None:
    """The export's ``stack`` value of a photo: {"id", "best"} or None."""
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is None or photo.stack_id is None:
        return None
    stack = Stack.get_or_none(Stack.id == photo.stack_id)
    return {"id": stack.id, "best": stack.best_photo_id} if stack else None


def regroup_all() -> int:
    """Group every photo not in a stack yet (after a backfill); return the stacks touched."""
    ids = [
        p
        for (p,) in Photo.select(Photo.id)
        .where(_groupable() & Photo.stack_id.is_null())
        .order_by(Photo.sort_time)
        .tuples()
    ]
    return len(group_photos(ids))
