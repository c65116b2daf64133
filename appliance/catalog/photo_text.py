"""The catalogue side of text in pictures: which photos are still to be read, a reading
stored with its search keys, and the search conditions over those keys.

A ``photo_text`` row means the photo was read (with or without text, or failing with a
reason), so the backlog is every photo above the highest id read: the reader goes through
the library in id order and new photos come after it. A photo whose picture changed is
forgotten (`forget`) and found again by the reader's occasional walk for gaps (`unread`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw
from peewee import fn

from appliance.catalog import labels, stacks
from appliance.catalog.models import File, Location, Photo, PhotoText, TextWord, database_proxy
from appliance.text import same_picture
from appliance.text import words as text_words
from appliance.text.kinds import Facts

BACKLOG_BATCH = 8


@dataclass(frozen=True)
class ToRead:
    """A photo waiting for its text: the content whose viewer rendition is read."""

    photo_id: int
    sha256: str | None
    kind: str


def backlog(limit: int = BACKLOG_BATCH) -> list[ToRead]:
    """The next photos to read, in id order, after the highest one read."""
    last = PhotoText.select(fn.MAX(PhotoText.photo)).scalar() or 0
    rows = (
        Photo.select(Photo.id, Photo.primary_sha256, Photo.kind)
        .where(Photo.id > last)
        .order_by(Photo.id)
        .limit(limit)
        .tuples()
    )
    return [ToRead(photo_id, sha, kind) for photo_id, sha, kind in rows]


def unread(after: int, limit: int = BACKLOG_BATCH) -> list[ToRead]:
    """Photos above ``after`` without a reading, in id order: the gaps below the highest id
    read (a photo whose picture changed, `forget`), walked now and then."""
    read = PhotoText.select(pw.SQL("1")).where(PhotoText.photo == Photo.id)
    rows = (
        Photo.select(Photo.id, Photo.primary_sha256, Photo.kind)
        .where((Photo.id > after) & ~fn.EXISTS(read))
        .order_by(Photo.id)
        .limit(limit)
        .tuples()
    )
    return [ToRead(photo_id, sha, kind) for photo_id, sha, kind in rows]


def forget(photo_id: int) -> None:
    """Drop a photo's reading (its picture changed): it is read again."""
    TextWord.delete().where(TextWord.photo == photo_id).execute()
    PhotoText.delete().where(PhotoText.photo == photo_id).execute()
    labels.relabel(photo_id)


def backlog_size() -> int:
    last = PhotoText.select(fn.MAX(PhotoText.photo)).scalar() or 0
    return Photo.select().where(Photo.id > last).count()


def facts_of(photo_id: int, words: int, text_area: float) -> Facts | None:
    """What `text.kinds` needs to know of a photo (None: it is gone)."""
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is None:
        return None
    names = [
        name
        for (name,) in File.select(File.original_name).where(File.photo == photo_id).tuples()
        if name
    ]
    paths = (
        Location.select(Location.path).join(File).where(File.photo == photo_id).limit(20).tuples()
    )
    names += [path for (path,) in paths if path]
    camera = " ".join(filter(None, (photo.camera_make, photo.camera_model))) or None
    return Facts(tuple(names), camera, photo.mime, photo.width, photo.height, words, text_area)


def store(
    photo_id: int,
    text: str,
    engine: str,
    kind: str | None = None,
    error: str | None = None,
) -> bool:
    """Keep a photo's reading and its search keys (replacing an earlier one) in one
    transaction; False when the photo is gone meanwhile."""
    keys = sorted(text_words.keys(text))
    with database_proxy.atomic():
        if not Photo.select().where(Photo.id == photo_id).exists():
            return False
        TextWord.delete().where(TextWord.photo == photo_id).execute()
        PhotoText.insert(
            photo=photo_id,
            text=text,
            kind=kind,
            engine=engine,
            error=error,
            read_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        ).on_conflict(
            conflict_target=[PhotoText.photo],
            update={
                PhotoText.text: text,
                PhotoText.kind: kind,
                PhotoText.engine: engine,
                PhotoText.error: error,
                PhotoText.read_at: dt.datetime.now(dt.UTC).replace(tzinfo=None),
            },
        ).execute()
        for start in range(0, len(keys), 500):
            TextWord.insert_many(
                [(key, photo_id) for key in keys[start : start + 500]],
                fields=[TextWord.key, TextWord.photo],
            ).execute()
        labels.relabel(photo_id)
        if error is None:
            _leave_a_stack_of_other_texts(photo_id, kind, text)
    return True


def _leave_a_stack_of_other_texts(photo_id: int, kind: str | None, text: str) -> None:
    """A screenshot or document stacked with a picture whose reading says other things
    (`text.same_picture`) is another picture: it leaves the stack for good, as when the
    family unstacks it (the stack goes when one photo is left)."""
    stack_id = Photo.select(Photo.stack_id).where(Photo.id == photo_id).scalar()
    if stack_id is None:
        return
    others = (
        PhotoText.select(PhotoText.kind, PhotoText.text)
        .join(Photo, on=(PhotoText.photo == Photo.id))
        .where((Photo.stack_id == stack_id) & (Photo.id != photo_id) & PhotoText.error.is_null())
        .tuples()
    )
    if any(same_picture.differ(kind, text, k, t or "") for k, t in others):
        stacks.unstack_photo(photo_id)


def text_of(photo_id: int) -> tuple[str, str | None] | None:
    """(text, kind) of a photo that was read; None when it was not (yet)."""
    row = (
        PhotoText.select(PhotoText.text, PhotoText.kind)
        .where(PhotoText.photo == photo_id)
        .tuples()
        .first()
    )
    return (row[0], row[1]) if row else None


def texts_of(photo_ids: list[int]) -> dict[int, str]:
    """photo id -> its recognised text, for the photos that have some."""
    if not photo_ids:
        return {}
    rows = (
        PhotoText.select(PhotoText.photo, PhotoText.text)
        .where(PhotoText.photo.in_(photo_ids) & (PhotoText.text != ""))
        .tuples()
    )
    return dict(rows)


# --- search ------------------------------------------------------------------------------


def _postgres() -> bool:
    return isinstance(database_proxy.obj, pw.PostgresqlDatabase)


def key_match(word: str) -> pw.Expression | None:
    """The keys a folded ``word`` finds: itself, and (at least `words.min_part` long) every
    key it begins, i.e. any word it is a part of. None: nothing to look for."""
    folded = text_words.words(word)
    if len(folded) != 1:
        return None
    part = folded[0]
    if len(part) < text_words.min_part(part):
        return TextWord.key == part
    if _postgres():  # text_pattern_ops index (migrations.create_text_indexes)
        return pw.Expression(TextWord.key, "LIKE", part + "%")  # keys hold no % or _
    # SQLite compares keys by code point: every key that starts with ``part`` sorts between
    # ``part`` and ``part`` followed by the highest character
    return (TextWord.key >= part) & (TextWord.key < part + "\U0010ffff")


def _exists(rows: pw.SelectQuery) -> pw.Expression:
    return fn.EXISTS(rows.offset(0) if _postgres() else rows)


def text_condition(value: str) -> pw.Expression:
    """A photo's text has every word of ``value`` (whole, or as a part of a word when long
    enough), in any order."""
    matches = [key_match(word) for word in text_words.words(value)]
    if not matches or any(m is None for m in matches):
        return pw.SQL("1 = 0")
    condition = None
    for match in matches:
        rows = TextWord.select(pw.SQL("1")).where((TextWord.photo == Photo.id) & match)
        condition = _exists(rows) if condition is None else condition & _exists(rows)
    return condition


def text_candidates(value: str) -> list[pw.SelectQuery]:
    """Exactly the photos `text_condition` accepts, from the key index (the photos of each
    word, intersected)."""
    matches = [key_match(word) for word in text_words.words(value)]
    if not matches or any(m is None for m in matches):
        return []
    query = None
    for match in matches:
        part = TextWord.select(TextWord.photo).where(match)
        query = part if query is None else query & part
    return [query]


def kind_condition(kind: str) -> pw.Expression:
    """The photo was read as a screenshot or a document."""
    rows = PhotoText.select(pw.SQL("1")).where(
        (PhotoText.photo == Photo.id) & (PhotoText.kind == kind)
    )
    return _exists(rows)


def kind_candidates(kind: str) -> list[pw.SelectQuery]:
    return [PhotoText.select(PhotoText.photo).where(PhotoText.kind == kind)]


def not_screens() -> pw.Expression:
    """Neither a screenshot nor a document (the timeline's and memories' setting)."""
    rows = PhotoText.select(pw.SQL("1")).where(
        (PhotoText.photo == Photo.id) & PhotoText.kind.is_null(False)
    )
    return ~fn.EXISTS(rows)
