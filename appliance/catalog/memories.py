"""Read side of moments: "on this day", events, "best of" and the duplicates review.

Everything here leaves out trashed and archived photos (and, unless the family chose
otherwise, screenshots and documents), and shows a stack as its one shown photo, so a
memory never repeats a near-duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import peewee as pw
from peewee import fn

from appliance.catalog import app_settings, photo_text
from appliance.catalog.connection_cache import ConnectionCache
from appliance.catalog.dialect import month_day_sql
from appliance.catalog.models import Face, File, Location, Person, Photo, Stack
from appliance.catalog.private import not_private
from appliance.moments.bestof import Candidate, best_of
from appliance.moments.events import MONTHS, Event, Moment, event_title, split_events

PLACE_FIELDS = ("place", "place_city", "city", "place_region", "region", "country")
PER_YEAR = 6  # photos per year in an "on this day" memory


# Written as literal SQL so it matches the expression index photo_month_day (a bound
# parameter in place of 6 or 5 would not, and the query would scan the table).
def month_day() -> pw.SQL:
    return pw.SQL(month_day_sql())


MEMORY_COLUMNS = (
    Photo.id,
    Photo.sort_time,
    Photo.quality,
    Photo.latitude,
    Photo.longitude,
    *(Photo._meta.fields[name] for name in PLACE_FIELDS if name in Photo._meta.fields),
)


def photo_place(photo: Any) -> str | None:
    """The place name of a photo for event titles: whatever the catalog knows (the places
    issue's reverse geocoding adds the fields; until then there is none)."""
    for name in PLACE_FIELDS:
        value = getattr(photo, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _visible() -> pw.Expression:
    visible = (
        (Photo.status == "ok")
        & (Photo.archived == False)  # noqa: E712
        & Photo.trashed_at.is_null()
        & (Photo.stack_hidden == False)  # noqa: E712
        & not_private()
    )
    if app_settings.hides_screenshots(app_settings.MEMORIES_HIDE_SCREENSHOTS):
        visible &= photo_text.not_screens()  # a receipt is no memory (the default)
    return visible


def _moment(photo: Any) -> Moment:
    return Moment(photo.id, photo.sort_time, photo.latitude, photo.longitude, photo_place(photo))


_days: ConnectionCache[list[dict[str, Any]]] = ConnectionCache()


def on_this_day(day: dt.date, per_year: int = PER_YEAR) -> list[dict[str, Any]]:
    """``[{"title", "year", "photos": [ids]}]``, newest year first: the best photos taken on
    the same calendar day (month and day) of every earlier year.

    A day's memories are kept per connection until the catalogue changes
    (`catalog.connection_cache`): the timeline page asks on every load, and at a million
    photos a calendar day holds ~2,700 of them."""
    kept = _days.get((day, per_year), lambda: _earlier_years(day, 0, per_year))
    return [dict(memory, photos=list(memory["photos"])) for memory in kept]


def this_week(day: dt.date, per_year: int = PER_YEAR) -> list[dict[str, Any]]:
    """Like :func:`on_this_day` for the days from three before to three after ``day`` (the
    timeline's memories on a day with none of its own); each memory has ``first`` and
    ``last``, the days its photos span."""
    kept = _days.get(("week", day, per_year), lambda: _earlier_years(day, 3, per_year))
    return [dict(memory, photos=list(memory["photos"])) for memory in kept]


def _earlier_years(day: dt.date, spread: int, per_year: int) -> list[dict[str, Any]]:
    """The best photos of each earlier year taken within ``spread`` days of ``day``'s
    calendar day (the expression index on month-day serves both)."""
    days = [day + dt.timedelta(days=d) for d in range(-spread, spread + 1)]
    wanted = sorted({f"{d.month:02d}-{d.day:02d}" for d in days})
    rows = (
        Photo.select(*MEMORY_COLUMNS)
        .where(month_day().in_(wanted) if spread else month_day() == wanted[0])
        .where(_visible())
        .where(Photo.sort_time < dt.datetime(day.year, 1, 1))
        .namedtuples()  # plain rows: a model object per photo costs more than the query
    )
    by_year: dict[int, list[Any]] = defaultdict(list)
    for photo in rows:
        by_year[photo.sort_time.year].append(photo)
    memories = []
    for year in sorted(by_year, reverse=True):
        photos = by_year[year]
        best = sorted(photos, key=lambda p: (-(p.quality or 0.0), p.sort_time, p.id))[:per_year]
        events = split_events([_moment(p) for p in photos])
        place = events[0].place if len(events) == 1 else None
        ago = day.year - year
        first, last = min(p.sort_time for p in photos), max(p.sort_time for p in photos)
        when = event_title(first, last, place)
        ago_text = f"{ago} year{'s' if ago > 1 else ''} ago{' this week' if spread else ''}"
        memory = {
            "title": f"{ago_text} · {when}",
            "year": year,
            "photos": [p.id for p in sorted(best, key=lambda p: (p.sort_time, p.id))],
        }
        if spread:
            memory |= {"first": first.date(), "last": last.date()}
        memories.append(memory)
    return memories


def _range(start: dt.datetime, end: dt.datetime) -> pw.ModelSelect:
    return Photo.select().where(_visible() & (Photo.sort_time >= start) & (Photo.sort_time < end))


def events_between(start: dt.datetime, end: dt.datetime) -> list[Event]:
    """The events of a period (time gaps and places)."""
    return split_events([_moment(p) for p in _range(start, end)])


def people_importance() -> dict[int, float]:
    """How much each named person matters: their share of the named faces, scaled so the
    most photographed person counts 1."""
    counts = dict(
        Face.select(Face.person, fn.COUNT(Face.id))
        .join(Person)
        .where(Person.name.is_null(False) & (Person.hidden == False))  # noqa: E712
        .group_by(Face.person)
        .tuples()
    )
    top = max(counts.values(), default=0)
    return {pid: n / top for pid, n in counts.items()} if top else {}


def best_between(start: dt.datetime, end: dt.datetime, limit: int = 24) -> list[int]:
    """A "best of" a period: distinct moments, important people, no near-duplicates."""
    photos = list(_range(start, end))
    people: dict[int, set[int]] = defaultdict(set)
    for photo_id, person_id in (
        Face.select(Face.photo, Face.person)
        .where(Face.photo.in_([p.id for p in photos]) & Face.person.is_null(False))
        .tuples()
    ):
        people[photo_id].add(person_id)
    candidates = [
        Candidate(p.id, p.sort_time, p.quality or 0.0, p.stack_id, people.get(p.id, set()))
        for p in photos
    ]
    return best_of(candidates, limit, people_importance())


def period(year: int, month: int | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a year or a month."""
    if month is None:
        return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
    return start, end


def period_title(year: int, month: int | None = None) -> str:
    """ "2019" or "July 2019"."""
    return f"{MONTHS[month - 1]} {year}" if month else str(year)


# --- duplicates review --------------------------------------------------------------------


def exact_duplicates(limit: int = 200) -> list[dict[str, Any]]:
    """Contents seen at more than one path: one photo, several paths."""
    many = (
        Location.select(Location.file)
        .group_by(Location.file)
        .having(fn.COUNT(Location.id) > 1)
        .limit(limit)
    )
    files = (
        File.select(File, Photo)
        .join(Photo)
        .where(File.id.in_(many) & Photo.trashed_at.is_null() & not_private())
    )
    paths: dict[int, list[str]] = defaultdict(list)
    seen = Location.select(Location.file, Location.path).where(
        Location.file.in_(many) & (Location.missing == False)  # noqa: E712
    )
    for file_id, path in seen.tuples():
        paths[file_id].append(path)
    return [
        {
            "photo_id": f.photo_id,
            "sha256": f.sha256,
            "thumb": f.photo.primary_sha256,
            "name": f.original_name,
            "stored_path": f.stored_path,
            "paths": sorted(paths[f.id]),
        }
        for f in files
    ]


def near_duplicate_stacks(limit: int = 200) -> list[dict[str, Any]]:
    """Stacks with their photos, best first, for keep/delete decisions."""
    stacks = list(Stack.select().order_by(Stack.id.desc()).limit(limit))
    members: dict[int, list[Photo]] = defaultdict(list)
    for photo in (
        Photo.select()
        .where(Photo.stack_id.in_([s.id for s in stacks]) & Photo.trashed_at.is_null())
        .where(not_private())
        .order_by(Photo.quality.desc(nulls="LAST"), Photo.id)
    ):
        members[photo.stack_id].append(photo)
    shas = [p.primary_sha256 for group in members.values() for p in group if p.primary_sha256]
    files = {
        f.sha256: f
        for f in File.select(File.sha256, File.size, File.mime).where(File.sha256.in_(shas))
    }
    out = []
    for stack in stacks:
        photos = members.get(stack.id, [])
        if len(photos) < 2:
            continue
        out.append(
            {
                "id": stack.id,
                "reason": stack.reason,
                "best": stack.best_photo_id,
                "cover": stack.cover_photo_id,
                "photos": [
                    {
                        "id": p.id,
                        "sha256": p.primary_sha256,
                        "quality": p.quality,
                        "time": p.sort_time.isoformat() if p.sort_time else None,
                        "width": p.width,
                        "height": p.height,
                        "size": getattr(files.get(p.primary_sha256), "size", None),
                        "mime": getattr(files.get(p.primary_sha256), "mime", None),
                        "owner_id": p.owner_id,
                    }
                    for p in photos
                ],
            }
        )
    return out
