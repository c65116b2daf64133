"""Read side of the catalog for the UI, the API and the CLI: timeline pages, search, listings.

Pagination is keyset (newest first by ``(sort_time, id)``), never OFFSET, so page N costs
the same as page 1. Everything is built with Peewee expressions to keep the SQL portable.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import peewee as pw
from peewee import fn

from appliance.catalog import app_settings, photo_edits, photo_text, search_index
from appliance.catalog.models import (
    Album,
    AlbumPhoto,
    AlbumTrash,
    Face,
    File,
    Label,
    Person,
    Photo,
    PhotoLabel,
    ShareLink,
    Stack,
    database_proxy,
)
from appliance.catalog.photo_fields import shared_fields
from appliance.catalog.private import not_private, private_of
from appliance.errors import BadRequest
from appliance.media.mime import HEIF_MIMES
from appliance.places.names import country_code_for
from appliance.search.query import Near, Query, Term
from appliance.text.words import snippet

PAGE_SIZE = 60
MAX_PAGE_SIZE = 200
KM_PER_DEGREE = 111.32

LabelsFor = Callable[[str], set[str]]


MAX_ID = 2**63 - 1  # SQLite's largest integer: larger ids cannot exist


class CursorError(BadRequest):
    """A pagination cursor that was not produced by :func:`encode_cursor`."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(sort_time: dt.datetime, photo_id: int) -> str:
    raw = f"{sort_time.isoformat()}|{photo_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, photo_id = raw.split("|")
        parsed = dt.datetime.fromisoformat(stamp), int(photo_id)
        if not 0 <= parsed[1] <= MAX_ID or parsed[0].tzinfo is not None:
            raise ValueError("out of range")
        return parsed
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise CursorError("invalid page cursor") from None


def _plain_labels(word: str) -> set[str]:
    """Fallback synonym lookup: the word itself and a naive singular."""
    word = word.lower()
    names = {word}
    if len(word) > 3 and word.endswith("s"):
        names.add(word[:-1])
    return names


# --- conditions ---------------------------------------------------------------------------
# Each term has a condition tested on one photo row (correlated EXISTS probes, never a scan
# of another table) and, where an index can find them, its candidates: id queries whose
# union is exactly the photos the term matches (`catalog.search_index`). A search walks the
# timeline index testing the conditions, unless one term's candidates are few: then it
# starts from those photos (see `_apply_query`). Tests hold both paths to the same results.

CANDIDATE_LIMIT = 10_000  # above this many candidates, walking the timeline is cheaper
INTERSECT_LIMIT = 50_000  # two terms under this many each: intersect their candidates
# PostgreSQL fetches each candidate's row from the heap (~5 us, against ~1 us for SQLite's
# rowid look-up) and plans a term given by literal ids well by itself: fewer candidates pay
PG_CANDIDATE_LIMIT = 5_000
# PostgreSQL's row estimate of a term's candidates at this many times a limit or more: the
# term is not counted up to that limit (estimates seen within 3x of the count, `near:` aside)
ESTIMATE_MARGIN = 2
_CATEGORY_NAME = re.compile(r"[a-z][a-z ]*")

Candidates = search_index.Candidates


def _probe(rows: pw.SelectQuery) -> pw.Expression:
    """``EXISTS (rows)``, tested row by row through the correlated index. On PostgreSQL an
    ``OFFSET 0`` keeps it so: the planner would otherwise turn it into a hashed subplan
    (hash all 262,000 photos of a frequent label before the first photo of the page), since
    it counts the probes for every row of the timeline, not the few a LIMIT needs."""
    return fn.EXISTS(rows.offset(0) if _postgres() else rows)


def _label_ids(names: Iterable[str]) -> list[int]:
    """The ids of the labels named ``names`` (any case), and of the labels filed under a
    category of that name ("snow" finds "ski" and "snowmobile"), read now: the search SQL
    gets them as literals, so each planner sees which labels it is (PostgreSQL's per-value
    statistics of ``photo_label.label_id``), not a subquery it must guess the size of."""
    lowered = sorted({n.lower() for n in names})
    condition = fn.LOWER(Label.name).in_(lowered)
    filed = pw.NodeList((pw.Value(","), Label.categories, pw.Value(",")), glue=" || ")
    for name in lowered:
        if _CATEGORY_NAME.fullmatch(name):  # letters only: no LIKE wildcard gets through
            condition |= fn.LOWER(filed).contains(f",{name},")
    return sorted(row[0] for row in Label.select(Label.id).where(condition).tuples())


# A plain word finds a label only where the classifier was fairly sure of it: on the
# corpus's judged pictures, labels below this were mostly a wrong neighbour (a "beach" under
# an airplane's wing, a "turtle" beside a lizard; bench/bench_label_precision.py).
# ``label:beach`` still finds every photo with the label; the family's own labels are 1.0.
SURE_FOR_WORDS = 0.3


def _label_rows(label_ids: list[int], sure: bool) -> pw.Expression:
    condition = PhotoLabel.label.in_(label_ids) & (PhotoLabel.removed == False)  # noqa: E712
    return condition & (PhotoLabel.confidence >= SURE_FOR_WORDS) if sure else condition


def _photos_with_labels(names: Iterable[str], sure: bool = False) -> pw.Expression:
    """Photos with one of the labels; ``sure``: only where the classifier was fairly sure."""
    return _probe(
        PhotoLabel.select(pw.SQL("1")).where(
            (PhotoLabel.photo == Photo.id) & _label_rows(_label_ids(names), sure)
        )
    )


def _labelled(names: Iterable[str], sure: bool = False) -> Candidates:
    ids = _label_ids(names)
    return [PhotoLabel.select(PhotoLabel.photo).where(_label_rows(ids, sure))] if ids else []


def _ids_by_id_or_name(
    model: type[pw.Model], name_field: pw.Field, value: str | int, contains: bool
) -> list[int]:
    """Ids of people/albums that are ``value``: an id, a name, or (``contains``) part of one;
    read now, for the same reason as `_label_ids`."""
    select = model.select(model.id)
    if isinstance(value, int):
        select = select.where(model.id == value)
    elif contains:
        select = select.where(name_field.contains(value))
    else:
        select = select.where(fn.LOWER(name_field) == value.lower())
    return sorted(row[0] for row in select.tuples())


def _people_ids(value: str | int, contains: bool) -> list[int]:
    """Ids of the people ``value`` names: an id, part of a name (``contains``), or a name
    given whole or by its words (see `name_matches`)."""
    if isinstance(value, str) and not contains:
        rows = Person.select(Person.id).where(name_matches(Person.name, value)).tuples()
        return sorted(row[0] for row in rows)
    return _ids_by_id_or_name(Person, Person.name, value, contains)


def _photos_with_person(value: str | int, contains: bool = False) -> pw.Expression:
    people = _people_ids(value, contains)
    return _probe(
        Face.select(pw.SQL("1")).where((Face.photo == Photo.id) & Face.person.in_(people))
    )


def _with_person(value: str | int, contains: bool = False) -> Candidates:
    people = _people_ids(value, contains)
    return [Face.select(Face.photo).where(Face.person.in_(people))] if people else []


def name_matches(column: pw.Field, value: str) -> pw.Expression:
    """A name given whole or by its first words or any whole word ("Barack", "Obama",
    "barack obama" all find "Barack Obama"; "Ann" does not find "Joanne")."""
    name, lower = " ".join(value.split()).lower(), fn.LOWER(column)
    return (lower == name) | lower.startswith(name + " ") | lower.contains(" " + name)


def _photos_in_album(value: str | int, contains: bool = False) -> pw.Expression:
    albums = _ids_by_id_or_name(Album, Album.title, value, contains)
    return _probe(
        AlbumPhoto.select(pw.SQL("1")).where(
            (AlbumPhoto.photo == Photo.id) & AlbumPhoto.album.in_(albums)
        )
    )


def _in_album(value: str | int, contains: bool = False) -> Candidates:
    albums = _ids_by_id_or_name(Album, Album.title, value, contains)
    return (
        [AlbumPhoto.select(AlbumPhoto.photo).where(AlbumPhoto.album.in_(albums))] if albums else []
    )


def _file_named(word: str) -> pw.Expression:
    return _probe(
        File.select(pw.SQL("1")).where((File.photo == Photo.id) & File.original_name.contains(word))
    )


def _text(column: pw.Field) -> pw.Node:
    return fn.COALESCE(column, "")


def _near(near: Near) -> pw.Expression:
    """Equirectangular distance, accurate to a few percent at family-photo radii."""
    lat_lo, lat_hi, lon_lo, lon_hi = search_index.near_box(near.lat, near.lon, near.km)
    coslat = max(math.cos(math.radians(near.lat)), 0.01)
    dy = (Photo.latitude - near.lat) * KM_PER_DEGREE
    dx = (Photo.longitude - near.lon) * (KM_PER_DEGREE * coslat)
    return (
        Photo.latitude.between(lat_lo, lat_hi)
        & Photo.longitude.between(lon_lo, lon_hi)
        & ((dy * dy + dx * dx) <= near.km * near.km)
    )


def _place_key(name: str, iso_code: bool) -> tuple[str, str | None]:
    name = " ".join(name.split()).lower()
    code = country_code_for(name) or (name.upper() if iso_code and len(name) == 2 else None)
    return name, code


def _place(name: str, iso_code: bool = False) -> pw.Expression:
    """A city, region or country name (any case) or a common form (usa, uk); with
    ``iso_code`` also a two-letter ISO code (not for plain words: "it", "be", "in")."""
    name, code = _place_key(name, iso_code)
    condition = (
        (fn.LOWER(Photo.place_city) == name)
        | (fn.LOWER(Photo.place_region) == name)
        | (fn.LOWER(Photo.place_country) == name)
    )
    if code:
        condition = condition | (Photo.place_country_code == code)
    return condition


def _word(word: str, labels_for: LabelsFor) -> pw.Expression:
    """A plain word: a label or synonym (where the classifier was fairly sure), a person, an
    album, a camera, a file name or the text in the picture."""
    names = {word.lower()} | {n.lower() for n in labels_for(word)}
    return (  # the photo's own columns first: OR stops at the first true one
        _place(word)
        | _text(Photo.camera_make).contains(word)
        | _text(Photo.camera_model).contains(word)
        | _photos_with_labels(names, sure=True)
        | _photos_with_person(word, contains=True)
        | _photos_in_album(word, contains=True)
        | _file_named(word)
        | photo_text.text_condition(word)
    )


def term_condition(term: Term, labels_for: LabelsFor = _plain_labels) -> pw.Expression:
    """The exact WHERE condition of one parsed term (without its negation)."""
    kind, value = term.kind, term.value
    if kind == "or":
        alternatives = [term_condition(t, labels_for) for t in value]
        alternatives = [~c if t.negated else c for t, c in zip(value, alternatives, strict=True)]
        return reduce(operator.or_, alternatives)
    if kind == "word":
        return _word(value, labels_for)
    if kind == "label":
        return _photos_with_labels({value} | labels_for(value))
    if kind == "person":
        return _photos_with_person(value)
    if kind == "album":
        return _photos_in_album(value)
    if kind == "camera":
        return _text(Photo.camera_make).contains(value) | _text(Photo.camera_model).contains(value)
    if kind == "lens":
        return _text(Photo.lens).contains(value)
    if kind == "year":
        return (Photo.sort_time >= dt.datetime(value, 1, 1)) & (
            Photo.sort_time < dt.datetime(value + 1, 1, 1)
        )
    if kind == "month":
        return Photo.sort_time.month == value
    if kind == "before":
        return Photo.sort_time < dt.datetime.combine(value, dt.time())
    if kind == "after":
        return Photo.sort_time >= dt.datetime.combine(value, dt.time())
    if kind == "favorite":
        return Photo.favorite == value
    if kind == "type":
        if value == "heic":
            return _text(Photo.mime).in_(sorted(HEIF_MIMES))
        if value == "live":
            return Photo.motion == "live"
        if value in ("screenshot", "document"):
            return photo_text.kind_condition(value)
        return Photo.kind == value
    if kind == "near":
        return _near(value)
    if kind == "place":
        return _place(value, iso_code=True)
    if kind == "holiday":
        month, first, last = HOLIDAY_DAYS[value]
        return (Photo.sort_time.month == month) & Photo.sort_time.day.between(first, last)
    if kind == "season":
        return _season(value)
    if kind == "text":
        return photo_text.text_condition(value)
    raise ValueError(f"unsupported term {kind!r}")


# a holiday's days, every year: (month, first day, last day)
HOLIDAY_DAYS = {"christmas": (12, 24, 26), "halloween": (10, 31, 31), "valentine": (2, 14, 14)}
# the months of each season north of the equator; south of it, the opposite season's
NORTHERN_MONTHS = {
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
    "winter": (12, 1, 2),
}
OPPOSITE_SEASON = {"spring": "autumn", "summer": "winter", "autumn": "spring", "winter": "summer"}


def _season(name: str) -> pw.Expression:
    """The season's months where the photo was taken (no place: the northern hemisphere,
    where most of the world's people, and photos, are)."""
    month = Photo.sort_time.month
    south = Photo.latitude < 0
    north = (Photo.latitude >= 0) | Photo.latitude.is_null()
    return (south & month.in_(NORTHERN_MONTHS[OPPOSITE_SEASON[name]])) | (
        north & month.in_(NORTHERN_MONTHS[name])
    )


def term_candidates(term: Term, labels_for: LabelsFor = _plain_labels) -> Candidates | None:
    """Id queries whose union is exactly the photos the (positive) term matches, found
    through indexes; None when no index finds them (the timeline walk tests each row)."""
    kind, value = term.kind, term.value
    if kind == "or":  # the union of its alternatives, when each is positive and indexed
        if any(t.negated for t in value):
            return None
        parts = [term_candidates(t, labels_for) for t in value]
        if any(part is None for part in parts):
            return None
        return [candidate for part in parts for candidate in part]
    if kind == "word":
        names = search_index.text_ids(value)
        if names is None:
            return None
        labels = {value.lower()} | {n.lower() for n in labels_for(value)}
        return [
            *_labelled(labels, sure=True),
            *_with_person(value, contains=True),
            *_in_album(value, contains=True),
            *search_index.camera_ids(value),
            *names,
            *search_index.place_ids(*_place_key(value, iso_code=False)),
            *photo_text.text_candidates(value),
        ]
    if kind == "label":
        return _labelled({value} | labels_for(value))
    if kind == "person":
        return _with_person(value)
    if kind == "album":
        return _in_album(value)
    if kind == "camera":
        return search_index.camera_ids(value)
    if kind == "near":
        return search_index.near_ids(value.lat, value.lon, value.km, _near(value))
    if kind == "place":
        return search_index.place_ids(*_place_key(value, iso_code=True))
    if kind == "text":
        return photo_text.text_candidates(value)
    if kind == "type" and value in ("screenshot", "document"):
        return photo_text.kind_candidates(value)
    return None


def _count_upto(candidates: Candidates, limit: int) -> int:
    """How many ids the candidate queries yield, counting no further than ``limit``."""
    if not candidates:
        return 0
    union_all = candidates[0]
    for more in candidates[1:]:
        union_all = union_all + more  # UNION ALL streams: the LIMIT stops it early
    counted = pw.Select([union_all.limit(limit).alias("c")], [fn.COUNT(pw.SQL("*"))])
    return counted.bind(database_proxy).scalar()


def _postgres() -> bool:
    return isinstance(database_proxy.obj, pw.PostgresqlDatabase)


def _candidate_limit() -> int:
    return min(CANDIDATE_LIMIT, PG_CANDIDATE_LIMIT) if _postgres() else CANDIDATE_LIMIT


def _estimate(candidates: Candidates) -> float | None:
    """PostgreSQL: the planner's row estimate of the candidates (its statistics of labels,
    people, places, cameras, text keys: no row read, a fraction of a millisecond); None on
    SQLite, which keeps no statistics. Close for those terms (within 3x), so it only ever
    spares counting a term it puts far above a limit; not asked for ``near:``, whose grid
    ranges take milliseconds to plan and whose estimate is far too low."""
    if not _postgres():
        return None
    sql, params = search_index.union(candidates).sql()
    plan = database_proxy.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


def _drivers(terms: list[Term], labels_for: LabelsFor) -> tuple[list[Term], pw.SelectQuery] | None:
    """The terms to apply as one ``id IN (...)`` the search starts from, and that id query:
    the positive term with the fewest candidates when under ``CANDIDATE_LIMIT``; else the
    INTERSECT of two or more terms that each have under ``INTERSECT_LIMIT`` (two common
    terms whose combination is rare); None: walk the timeline.

    Counting a common term that far costs about as much as the walk it would replace
    (~10 ms for 50,000 ids at a million photos). So on PostgreSQL, in a combined query,
    the planner's estimates (`_estimate`) order the counts, fewest first (each next one
    stops at the best so far), and a term estimated at ``ESTIMATE_MARGIN`` times a limit
    or more is not counted that far: not to ``INTERSECT_LIMIT`` (nor any term, when fewer
    than two could be intersected), not at all when it can be neither the single driver
    nor intersected. SQLite, without statistics, counts every term far enough."""
    indexed = [
        (term, candidates)
        for term in terms
        if not term.negated and (candidates := term_candidates(term, labels_for)) is not None
    ]
    single = _candidate_limit()
    estimates = [
        _estimate(candidates) if len(terms) > 1 and term.kind != "near" else None
        for term, candidates in indexed
    ]
    may_intersect = [e is None or e < ESTIMATE_MARGIN * INTERSECT_LIMIT for e in estimates]
    if sum(may_intersect) < 2:  # one term alone, or no two that could be intersected
        may_intersect = [False] * len(indexed)
    order = sorted(range(len(indexed)), key=lambda i: estimates[i] or 0.0)  # stable: SQLite
    # with two or more terms, each is counted once, far enough to know both answers
    counted: list[tuple[int, Term, Candidates]] = []
    best: tuple[int, Term, Candidates] | None = None
    for i in order:
        term, candidates = indexed[i]
        estimate = estimates[i]
        if not may_intersect[i] and estimate is not None and estimate >= ESTIMATE_MARGIN * single:
            continue  # far too many to start from alone
        far = max(single, INTERSECT_LIMIT) if may_intersect[i] else single
        count = _count_upto(candidates, best[0] if best else far)
        if count < (best[0] if best else single):
            best = (count, term, candidates)
        if may_intersect[i]:
            counted.append((count, term, candidates))
    if best:
        return [best[1]], search_index.union(best[2])
    fewer = [(t, c) for count, t, c in counted if count < INTERSECT_LIMIT]
    if len(fewer) < 2:
        return None
    query = search_index.union(fewer[0][1])
    for _, candidates in fewer[1:]:
        query = query & search_index.union(candidates)  # INTERSECT
    return [t for t, _ in fewer], query


def _apply_query(
    select: pw.ModelSelect, query: Query | None, labels_for: LabelsFor, use_indexes: bool = True
) -> pw.ModelSelect:
    """Add the query's conditions to ``select``. With ``use_indexes``, the terms chosen by
    `_drivers` become ``id IN (candidates)`` instead of their row conditions, so the search
    starts from those photos; otherwise the timeline is walked in order, testing every row,
    until the page is full."""
    terms = list(query.terms) if query else []
    drivers = _drivers(terms, labels_for) if use_indexes and terms else None
    if drivers and _postgres():
        # PostgreSQL, too, would rather walk the timeline (it expects the LIMIT to be met
        # early, though a rare term's photos cluster in time): an ARRAY of the candidates is
        # computed first (an InitPlan), then only their primary-key look-ups are planned
        select = select.where(Photo.id == fn.ANY(pw.NodeList((pw.SQL("ARRAY"), drivers[1]))))
    elif drivers:
        # SQLite would rather walk the timeline index (no sort needed) and probe the ids;
        # NOT INDEXED leaves it only the rowid look-ups of the candidates
        select = select.from_(pw.NodeList((Photo, pw.SQL("NOT INDEXED"))))
        select = select.where(Photo.id.in_(drivers[1]))
    for term in terms:
        if drivers and any(term is t for t in drivers[0]):
            continue
        condition = term_condition(term, labels_for)
        select = select.where(~condition if term.negated else condition)
    return select


# --- photos -------------------------------------------------------------------------------

PHOTO_COLUMNS = (
    Photo.id,
    Photo.primary_sha256,
    Photo.sort_time,
    Photo.kind,
    Photo.favorite,
    Photo.width,
    Photo.height,
    Photo.stack_id,
    Photo.duration,
    Photo.motion,
    Photo.edits,
)


def photo_summary(photo: Photo) -> dict[str, Any]:
    """A tile: width and height as shown (once edited), ``edit`` the key of its edit (the
    thumbnail URL's ``?e=``; None: not edited)."""
    recipe = photo_edits.parse(getattr(photo, "edits", None))
    width, height = photo_edits.shown_size(photo.width, photo.height, recipe)
    return {
        "id": photo.id,
        "sha256": photo.primary_sha256,
        "time": photo.sort_time.isoformat() if photo.sort_time else None,
        "kind": photo.kind,
        "favorite": bool(photo.favorite),
        "width": width,
        "height": height,
        "edit": photo_edits.key(recipe),
        "stack": photo.stack_id,
        "duration": photo.duration,
        "motion": photo.motion,
    }


def _base(
    archived: bool = False,
    trashed: bool = False,
    collapse: bool = False,
    private_owner: int | None = None,
) -> pw.ModelSelect:
    """Photos of a view: timeline/archive (not trashed) or the trash, never a private photo;
    ``collapse`` shows a stack as its one shown photo. ``private_owner``: that member's
    Private instead (archived or not, never in a stack)."""
    select = Photo.select(*PHOTO_COLUMNS).where(Photo.status == "ok")
    if private_owner is not None:
        return select.where(private_of(private_owner) & Photo.trashed_at.is_null())
    select = select.where(not_private())
    if trashed:
        return select.where(Photo.trashed_at.is_null(False))
    select = select.where((Photo.archived == archived) & Photo.trashed_at.is_null())
    if not collapse:
        return select
    if not archived and app_settings.hides_screenshots(app_settings.TIMELINE_HIDES_SCREENSHOTS):
        select = select.where(photo_text.not_screens())  # the plain timeline, as chosen
    return select.where(Photo.stack_hidden == False)  # noqa: E712


def _collapses(query: Query | None, trashed: bool) -> bool:
    """Stacks show as one tile in the plain timeline: at the stack's shown photo."""
    return not trashed and not (query and query.terms)


def _once_per_stack(query: Query | None, trashed: bool) -> bool:
    """A search or a filter (favourites, a person, a place) shows a stack once too: at its
    shown photo when that matches, else at its newest matching photo (the shown photo may
    not match what was asked for while another of its photos does). An album lists every
    photo put in it, and the trash everything."""
    if trashed or not (query and query.terms):
        return False
    return not any(term.kind == "album" for term in query.terms)


def _stack_tiles(matching: pw.ModelSelect, stack_ids: set[int]) -> dict[int, int]:
    """Stack id -> the photo that stands for it among ``matching``: its shown photo when
    that matches, else its newest matching photo."""
    if not stack_ids:
        return {}
    rows = matching.select(Photo.stack_id, Photo.stack_hidden, Photo.sort_time, Photo.id)
    best: dict[int, tuple[bool, Any, int]] = {}
    for stack_id, hidden, stamp, photo_id in rows.where(
        Photo.stack_id.in_(list(stack_ids))
    ).tuples():
        rank = (not hidden, stamp, photo_id)
        if stack_id not in best or rank > best[stack_id]:
            best[stack_id] = rank
    return {stack_id: rank[2] for stack_id, rank in best.items()}


def _once_each(matching: pw.ModelSelect, cursor: tuple[Any, int] | None, limit: int) -> list[Photo]:
    """Up to ``limit + 1`` matching photos after ``cursor``, newest first, each stack once
    (at the photo :func:`_stack_tiles` chooses, on whichever page that falls)."""
    here = pw.Tuple(Photo.sort_time, Photo.id)
    select = matching.where(here < pw.Tuple(*cursor)) if cursor else matching
    kept: list[Photo] = []
    while len(kept) <= limit:
        batch = list(select.order_by(Photo.sort_time.desc(), Photo.id.desc()).limit(limit + 1))
        tiles = _stack_tiles(matching, {r.stack_id for r in batch if r.stack_id})
        kept += [r for r in batch if not r.stack_id or tiles.get(r.stack_id) == r.id]
        if len(batch) <= limit:
            break
        last = batch[-1]
        select = select.where(here < pw.Tuple(last.sort_time, last.id))
    return kept[: limit + 1]


def _with_stacks(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``stack`` = {"id", "count"} (or None) to photo summaries."""
    ids = {i["stack"] for i in items if i.get("stack")}
    sizes = dict(Stack.select(Stack.id, Stack.size).where(Stack.id.in_(list(ids))).tuples())
    for item in items:
        sid = item.get("stack")
        item["stack"] = {"id": sid, "count": sizes[sid]} if sid in sizes else None
    return items


def search_photos(
    query: Query | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    labels_for: LabelsFor = _plain_labels,
    archived: bool = False,
    trashed: bool = False,
    where: pw.Expression | None = None,
    use_indexes: bool = True,
    private_owner: int | None = None,
) -> Page:
    """One page of matching photos, newest first; ``next_cursor`` is None on the last page.
    ``where`` narrows further (share links pass the shareable-photo condition);
    ``use_indexes=False`` tests every photo row instead (the benchmark's baseline);
    ``private_owner`` lists that member's Private (`catalog.private`)."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    collapse = _collapses(query, trashed) and private_owner is None
    base = _base(archived, trashed, collapse, private_owner)
    select = _apply_query(base, query, labels_for, use_indexes)
    if where is not None:
        select = select.where(where)
    after = decode_cursor(cursor) if cursor else None
    if _once_per_stack(query, trashed):
        rows = _once_each(select, after, limit)
    else:
        if after:
            select = select.where(pw.Tuple(Photo.sort_time, Photo.id) < pw.Tuple(*after))
        rows = list(select.order_by(Photo.sort_time.desc(), Photo.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].sort_time, rows[-1].id) if more and rows else None
    return Page(_with_why(_with_stacks([photo_summary(p) for p in rows]), query), next_cursor)


def _text_words(query: Query | None) -> list[str]:
    """The words of a query's positive plain-word and ``text:`` terms (alternatives too)."""
    found: list[str] = []
    for term in query.terms if query else ():
        for t in term.value if term.kind == "or" else (term,):
            if t.kind in ("word", "text") and not t.negated and not term.negated:
                found.append(t.value)
    return found


def _with_why(items: list[dict[str, Any]], query: Query | None) -> list[dict[str, Any]]:
    """Say why a search found a photo by its text: ``why`` is the line it says the word in
    ("Text: …wifi password: Garden…")."""
    wanted = _text_words(query)
    if not wanted or not items:
        return items
    texts = photo_text.texts_of([item["id"] for item in items])
    for item in items:
        text = texts.get(item["id"])
        if not text:
            continue
        for words in wanted:
            line = snippet(text, words)
            if line:
                item["why"] = f"Text: {line}"
                break
    return items


def count_photos(
    query: Query | None = None,
    labels_for: LabelsFor = _plain_labels,
    archived: bool = False,
) -> int:
    """How many photos a search finds (the result count shown above the grid)."""
    base = _base(archived, False, _collapses(query, False))
    select = _apply_query(base, query, labels_for)
    if not _once_per_stack(query, False):
        return select.count()
    tiles = pw.fn.COUNT(pw.fn.DISTINCT(pw.fn.COALESCE(Photo.stack_id, 0 - Photo.id)))
    return int(select.select(tiles).scalar() or 0)


def neighbours(
    photo: Photo,
    query: Query | None = None,
    labels_for: LabelsFor = _plain_labels,
) -> tuple[int | None, int | None]:
    """(newer id, older id) next to ``photo`` within the same query, for the viewer."""
    key = pw.Tuple(photo.sort_time, photo.id)
    here = pw.Tuple(Photo.sort_time, Photo.id)
    trashed = photo.trashed_at is not None
    if photo.private:  # its neighbours in its owner's Private
        base = _apply_query(_base(private_owner=photo.owner_id), query, labels_for)
    else:
        collapse = _collapses(query, trashed) and not photo.stack_hidden
        base = _apply_query(_base(bool(photo.archived), trashed, collapse), query, labels_for)
    newer = base.where(here > key).order_by(Photo.sort_time.asc(), Photo.id.asc())
    older = base.where(here < key).order_by(Photo.sort_time.desc(), Photo.id.desc())
    if not _once_per_stack(query, trashed):
        return (_first_id(newer), _first_id(older))
    return (_first_tile(newer, base, photo), _first_tile(older, base, photo))


def _first_id(select: pw.ModelSelect) -> int | None:
    row = select.first()
    return row.id if row else None


NEIGHBOUR_SCAN = 50  # photos looked at past a stack's other matching photos


def _first_tile(candidates: pw.ModelSelect, matching: pw.ModelSelect, photo: Photo) -> int | None:
    """The first candidate that is a tile of its own in a once-per-stack list: not of
    ``photo``'s stack, and the photo its stack is shown at."""
    rows = [
        r
        for r in candidates.limit(NEIGHBOUR_SCAN)
        if not r.stack_id or r.stack_id != photo.stack_id
    ]
    tiles = _stack_tiles(matching, {r.stack_id for r in rows if r.stack_id})
    return next((r.id for r in rows if not r.stack_id or tiles.get(r.stack_id) == r.id), None)


def photo_detail(photo_id: int) -> dict[str, Any] | None:
    """Everything the viewer shows about one photo, or None."""
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is None:
        return None
    labels = (
        PhotoLabel.select(PhotoLabel, Label)
        .join(Label)
        .where((PhotoLabel.photo == photo) & (PhotoLabel.removed == False))  # noqa: E712
        .order_by(PhotoLabel.confidence.desc())
    )
    faces = (
        Face.select(Face, Person)
        .join(Person, pw.JOIN.LEFT_OUTER)
        .where(Face.photo == photo)
        .order_by(Face.box_x)
    )
    albums = Album.select(Album.id, Album.title).join(AlbumPhoto).where(AlbumPhoto.photo == photo)
    files = File.select().where(File.photo == photo).order_by(File.id)
    out = _with_stacks([photo_summary(photo)])[0]
    shown = {"width": out["width"], "height": out["height"]}  # as shown, once edited
    out.update(shared_fields(photo))
    out.update(shown)
    out.update(
        {
            "quality": photo.quality,
            "archived": bool(photo.archived),
            "mime": photo.mime,
            "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
            "taken_at_offset": photo.taken_at_offset,
            "owner_id": photo.owner_id,  # who added it (users.id); None: the family's
            "private": bool(photo.private),  # only its owner sees it, in Private
            "edits": photo_edits.parse(photo.edits),  # the edit's recipe, or None
            "labels": [
                {"name": pl.label.name, "confidence": pl.confidence, "source": pl.source}
                for pl in labels
            ],
            "faces": [
                {
                    "id": f.id,
                    "box": [f.box_x, f.box_y, f.box_w, f.box_h],
                    "person_id": f.person_id,
                    "person": f.person.name if f.person_id else None,
                }
                for f in faces
            ],
            "albums": [{"id": a.id, "title": a.title} for a in albums],
            **_text_fields(photo_id),
            "files": [
                {
                    "sha256": f.sha256,
                    "name": f.original_name,
                    "role": f.role,
                    "mime": f.mime,
                    "size": f.size,
                    "kind": f.kind,
                    "playback": f.playback,
                    "duration": f.duration,
                    "video_codec": f.video_codec,
                }
                for f in files
                if f.sha256
            ],
        }
    )
    return out


def _text_fields(photo_id: int) -> dict[str, Any]:
    """``text``: what the picture says (None: not read yet); ``text_kind``: screenshot,
    document or None."""
    read = photo_text.text_of(photo_id)
    return {"text": read[0] if read else None, "text_kind": read[1] if read else None}


# --- listings -----------------------------------------------------------------------------


def _covers(photo_ids: Iterable[int]) -> dict[int, Photo]:
    ids = [i for i in set(photo_ids) if i]
    if not ids:
        return {}
    rows = Photo.select(Photo.id, Photo.primary_sha256, Photo.width, Photo.height).where(
        Photo.id.in_(ids) & not_private()
    )
    return {p.id: p for p in rows}


def list_labels() -> list[dict[str, Any]]:
    """Labels in use with their photo count and newest photo as cover, most used first."""
    rows = (
        Label.select(
            Label.id,
            Label.name,
            fn.COUNT(PhotoLabel.id).alias("n"),
            fn.MAX(PhotoLabel.photo).alias("cover"),
        )
        .join(PhotoLabel)
        .join(Photo)
        .where((PhotoLabel.removed == False) & (Photo.status == "ok"))  # noqa: E712
        .where((Photo.archived == False) & Photo.trashed_at.is_null())  # noqa: E712
        .where(not_private())
        .group_by(Label.id, Label.name)
        .order_by(fn.COUNT(PhotoLabel.id).desc(), Label.name)
    )
    rows = list(rows)
    covers = _covers(r.cover for r in rows)
    return [
        {
            "name": r.name,
            "count": r.n,
            "cover": covers[r.cover].primary_sha256 if r.cover in covers else None,
        }
        for r in rows
    ]


def face_crop(face: Face, photo: Photo) -> dict[str, float] | None:
    """CSS background geometry (percent) that shows ``face`` out of the viewer thumbnail."""
    if not photo.width or not photo.height or face.box_w <= 0 or face.box_h <= 0:
        return None
    pad = 0.25
    side = max(face.box_w, face.box_h) * (1 + 2 * pad)
    cx, cy = face.box_x + face.box_w / 2, face.box_y + face.box_h / 2
    left = min(max(cx - side / 2, 0), max(photo.width - side, 0))
    top = min(max(cy - side / 2, 0), max(photo.height - side, 0))
    scale_w, scale_h = photo.width / side * 100, photo.height / side * 100

    def pos(offset: float, total: float) -> float:
        return offset / (total - side) * 100 if total > side else 50.0

    return {
        "size_w": round(scale_w, 2),
        "size_h": round(scale_h, 2),
        "x": round(pos(left, photo.width), 2),
        "y": round(pos(top, photo.height), 2),
    }


def list_albums() -> list[dict[str, Any]]:
    """Albums with photo count and cover (the chosen one, else the newest photo)."""
    rows = list(
        Album.select(
            Album,
            fn.COUNT(Photo.id).alias("n"),
            fn.MAX(Photo.id).alias("newest"),
        )
        .join(AlbumPhoto, pw.JOIN.LEFT_OUTER)
        .join(
            Photo,
            pw.JOIN.LEFT_OUTER,
            on=((AlbumPhoto.photo == Photo.id) & Photo.trashed_at.is_null() & not_private()),
        )
        .where(Album.id.not_in(AlbumTrash.select(AlbumTrash.album)))
        .group_by(Album)
        .order_by(Album.updated_at.desc(), Album.id.desc())
    )
    covers = _covers((a.cover_photo_id or a.newest) for a in rows)
    shares = {
        s.album_id: s
        for s in ShareLink.select().where(ShareLink.album.in_([a.id for a in rows]))
        if is_share_active(s)
    }
    out = []
    for album in rows:
        cover = covers.get(album.cover_photo_id) or covers.get(album.newest)
        out.append(
            {
                "id": album.id,
                "title": album.title,
                "description": album.description,
                "count": album.n,
                "cover": cover.primary_sha256 if cover else None,
                "shared": album.id in shares,
            }
        )
    return out


def is_share_active(share: ShareLink, now: dt.datetime | None = None) -> bool:
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return not share.revoked and (share.expires_at is None or share.expires_at > now)


def sha_in_album(sha256: str, album_id: int, where: pw.Expression | None = None) -> bool:
    """Whether a photo of ``album_id`` has this primary hash (for share-link media);
    ``where`` narrows the photos that count (share links: only shareable ones)."""
    condition = (AlbumPhoto.album == album_id) & (Photo.primary_sha256 == sha256)
    condition &= Photo.trashed_at.is_null() & not_private()
    if where is not None:
        condition &= where
    return AlbumPhoto.select().join(Photo).where(condition).exists()
