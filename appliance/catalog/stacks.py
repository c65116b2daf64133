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

The thresholds and the rule itself are in ``moments.grouping`` (shared with the bulk
:func:`regroup_all`). A stack's shown photo is the user's chosen cover, else its best
quality. The user's choices (cover, unstack) are kept forever: an unstacked photo is never
stacked again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable

import peewee as pw

from appliance.catalog.dialect import executemany, sync_id_sequence
from appliance.catalog.models import Face, Photo, PhotoHash, Setting, Stack, database_proxy, utcnow
from appliance.catalog.private import not_private
from appliance.errors import BadRequest, NotFound
from appliance.moments.features import Measured
from appliance.moments.grouping import (
    BURST_SECONDS,
    NEAR_RADIUS,
    Item,
    group_items,
    link_reason,
)
from appliance.moments.hashindex import probes
from appliance.moments.phash import hamming, segments, to_signed, to_unsigned
from appliance.moments.quality import LearnedModel, score

MODEL_SETTING = "moments.quality_model"


class StackError(BadRequest):
    """A stack operation that does not apply (unknown stack, photo not in it)."""


class StackNotFound(NotFound, StackError):
    """No stack with that id."""


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
    """Store a photo's features, quality and hash (inside the caller's transaction).

    A video keeps no hash, so it is never stacked: its poster frame says too little about
    the movie (two clips of one scene start alike). Exact copies are still one photo."""
    Photo.update(
        quality=score(measured.features, model),
        quality_features=json.dumps(measured.features, sort_keys=True),
    ).where(Photo.id == photo_id).execute()
    PhotoHash.delete().where(PhotoHash.photo == photo_id).execute()
    kind = Photo.select(Photo.kind).where(Photo.id == photo_id).scalar()
    if measured.phash is not None and kind != "video":
        s = segments(measured.phash)
        PhotoHash.create(
            photo=photo_id,
            value=to_signed(measured.phash),
            seg0=s[0],
            seg1=s[1],
            seg2=s[2],
            seg3=s[3],
        )


def photos_to_measure(photo_ids: list[int] | None = None) -> list[Photo]:
    """Catalogued photos without hash and quality features yet (optionally among
    ``photo_ids``): libraries catalogued before moments existed."""
    todo = Photo.select().where(
        (Photo.status == "ok")
        & Photo.quality_features.is_null()
        & Photo.primary_sha256.is_null(False)
    )
    if photo_ids is not None:
        todo = todo.where(Photo.id.in_(photo_ids))
    return list(todo)


def face_boxes(photo_id: int) -> list[tuple[tuple[float, float, float, float], float]]:
    """The photo's faces as ``((x, y, w, h), score)``, the quality features' input."""
    return [
        ((f.box_x, f.box_y, f.box_w, f.box_h), f.score)
        for f in Face.select().where(Face.photo == photo_id)
    ]


def store_measured(photo_id: int, measured: Measured, model: LearnedModel | None = None) -> None:
    """:func:`save_measured` in a transaction of its own."""
    with database_proxy.atomic():
        save_measured(photo_id, measured, model)


# --- finding a photo's group --------------------------------------------------------------


def _groupable() -> pw.Expression:
    return (
        (Photo.status == "ok")
        & Photo.trashed_at.is_null()
        & (Photo.unstacked == False)  # noqa: E712
        & not_private()
    )


@functools.cache
def _similar_sql(mark: str) -> str:
    """One indexed look-up per segment (UNION ALL), written once: building this statement
    with the query builder costs ten times more than running it."""
    table = PhotoHash._meta.table_name
    marks = ",".join([mark] * len(probes(0)))
    return " UNION ALL ".join(
        f"SELECT photo_id, value FROM {table} WHERE seg{i} IN ({marks})" for i in range(4)
    )


def similar_photos(value: int, radius: int = NEAR_RADIUS) -> list[tuple[int, int]]:
    """(photo id, distance) of every hashed photo within ``radius`` bits, via the index."""
    params = [probe for segment in segments(value) for probe in probes(segment)]
    rows = PhotoHash._meta.database.execute_sql(
        _similar_sql(PhotoHash._meta.database.param), params
    ).fetchall()
    found = {}
    for photo_id, stored in rows:
        distance = hamming(value, to_unsigned(stored))
        if distance <= radius:
            found[photo_id] = distance
    return list(found.items())


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
                & (
                    (Photo.camera_make == photo.camera_make)
                    if photo.camera_make is not None
                    else Photo.camera_make.is_null()
                )
                & (Photo.id != photo.id)
            )
            .tuples()
        )
        for other, taken, other_sha, other_value in nearby:
            distance = (
                hamming(value, to_unsigned(other_value))
                if value is not None and other_value is not None
                else None
            )
            seconds = abs((taken - photo.taken_at).total_seconds()) if taken else None
            missing = photo.primary_sha256 is None or other_sha is None
            reason = link_reason(distance, True, seconds, missing)
            if reason is not None:
                links.setdefault(other, reason)
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
            touched.add(_one_stack(members, next(iter(links.values()))))
    return touched


def stack_together(photo_ids: Iterable[int], reason: str) -> int | None:
    """Put these photos into one stack whatever their pictures look like (an edited copy
    and its original, as another library kept them); stacks they were in merge. Returns
    the stack, or None when fewer than two of them can be stacked."""
    db = Photo._meta.database
    with db.atomic():
        members = {
            p
            for (p,) in Photo.select(Photo.id)
            .where(Photo.id.in_(list(photo_ids)) & _groupable())
            .tuples()
        }
        if len(members) < 2:
            return None
        return _one_stack(members, reason)


def _one_stack(members: set[int], reason: str) -> int:
    """Put ``members`` into one stack (inside the caller's transaction): the oldest stack
    any of them is in, the others merged into it (a chosen cover survives), else a new
    stack for ``reason``. Returns the stack."""
    stack_ids = {
        s
        for (s,) in Photo.select(Photo.stack_id)
        .where(Photo.id.in_(list(members)) & Photo.stack_id.is_null(False))
        .tuples()
    }
    target = _merge_stacks(stack_ids) if stack_ids else Stack.create(reason=reason).id
    Photo.update(stack_id=target).where(Photo.id.in_(list(members))).execute()
    refresh_stack(target)
    return target


def _merge_stacks(stack_ids: set[int]) -> int:
    """Merge stacks into the oldest of them (its photos and a chosen cover come along);
    returns that stack's id."""
    target = min(stack_ids)
    others = stack_ids - {target}
    if others:
        Photo.update(stack_id=target).where(Photo.stack_id.in_(list(others))).execute()
        _adopt_cover(target, others)
        Stack.delete().where(Stack.id.in_(list(others))).execute()
    return target


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
    refresh_stacks([stack_id])


def refresh_stacks(stack_ids: Iterable[int]) -> None:
    """:func:`refresh_stack` for many stacks with a few statements per 500 stacks."""
    ids = sorted(set(stack_ids))
    for start in range(0, len(ids), 500):
        _refresh_chunk(ids[start : start + 500])


def _refresh_chunk(ids: list[int]) -> None:
    covers = dict(Stack.select(Stack.id, Stack.cover_photo_id).where(Stack.id.in_(ids)).tuples())
    members: dict[int, list[tuple[int, bool, float]]] = {}
    for pid, sid, archived, quality in (
        Photo.select(Photo.id, Photo.stack_id, Photo.archived, Photo.quality)
        .where(Photo.stack_id.in_(ids) & (Photo.status == "ok") & Photo.trashed_at.is_null())
        .tuples()
    ):
        score = quality if quality is not None else -1.0
        members.setdefault(sid, []).append((pid, not archived, score))
    gone = [sid for sid in ids if sid not in covers or len(members.get(sid, ())) < 2]
    if gone:
        Photo.update(stack_id=None, stack_hidden=False).where(Photo.stack_id.in_(gone)).execute()
        Stack.delete().where(Stack.id.in_(gone)).execute()
    best: dict[int, int] = {}
    for sid, photos in members.items():
        if sid in gone:
            continue
        chosen = covers.get(sid)
        if chosen in {p for p, _, _ in photos}:
            best[sid] = chosen
        else:  # an archived photo shown for the stack would hide it from the timeline
            best[sid] = max(photos, key=lambda m: (m[1], m[2], -m[0]))[0]
    if not best:
        return
    executemany(
        Stack._meta.database,
        f"UPDATE {Stack._meta.table_name} SET best_photo_id = ?, size = ? WHERE id = ?",
        [(photo_id, len(members[sid]), sid) for sid, photo_id in best.items()],
    )
    live = list(best)
    Photo.update(stack_hidden=True).where(Photo.stack_id.in_(live)).execute()
    Photo.update(stack_hidden=False).where(Photo.id.in_(list(best.values()))).execute()


# --- the user's choices -------------------------------------------------------------------


def get_stack(stack_id: int) -> Stack:
    """The stack (raises StackNotFound, a 404)."""
    return _stack(stack_id)


def _stack(stack_id: int) -> Stack:
    stack = Stack.get_or_none(Stack.id == stack_id)
    if stack is None:
        raise StackNotFound(f"no stack {stack_id}")
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
        .where(not_private())
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
    """Group a whole library at once (backfill, after a model change): links computed in
    memory (``moments.grouping``), then merged into the existing stacks. Returns how many
    stacks were created or changed."""
    rows = (
        Photo.select(
            Photo.id,
            Photo.camera_make,
            Photo.camera_model,
            Photo.taken_at,
            Photo.primary_sha256,
            Photo.stack_id,
            PhotoHash.value,
        )
        .join(PhotoHash, pw.JOIN.LEFT_OUTER, on=(PhotoHash.photo == Photo.id))
        .where(_groupable())
        .tuples()
    )
    items, current = [], {}
    for pid, make, model, taken, sha, stack_id, value in rows:
        camera = (make or "", model) if model else None
        phash = to_unsigned(value) if value is not None else None
        items.append(Item(pid, phash, camera, taken, sha is not None))
        current[pid] = stack_id
    touched: set[int] = set()
    db = Photo._meta.database
    with db.atomic():
        next_id = (Stack.select(pw.fn.MAX(Stack.id)).scalar() or 0) + 1
        new_stacks: list[tuple[int, str, str]] = []
        assignments: list[tuple[int, int]] = []
        for group in group_items(items):
            existing = {current[p] for p in group if current[p] is not None}
            if len(existing) == 1 and all(current[p] is not None for p in group):
                continue  # already one stack
            if existing:
                target = _merge_stacks(existing)
            else:
                target, next_id = next_id, next_id + 1
                new_stacks.append((target, "similar", str(utcnow())))
            assignments += [(target, p) for p in group]
            touched.add(target)
        # thousands of rows: plain executemany (the query builder would cost more than SQLite)
        executemany(
            db,
            f"INSERT INTO {Stack._meta.table_name} (id, reason, size, created_at) "
            "VALUES (?, ?, 0, ?)",
            new_stacks,
        )
        sync_id_sequence(db, Stack)
        executemany(
            db, f"UPDATE {Photo._meta.table_name} SET stack_id = ? WHERE id = ?", assignments
        )
        refresh_stacks(touched)
    return len(touched)
