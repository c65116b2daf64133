"""Events from time gaps and places, and their titles ("Paris, July 2023").

Photos sorted by time are cut into events where the gap between two photos exceeds
:data:`EVENT_GAP`, or where the place changes (a known place name differs, or the GPS
position jumps more than :data:`EVENT_KM`). The place name comes from one function the
catalog gives (``catalog.memories.photo_place``), so the places issue's reverse geocoding
only has to fill it in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

EVENT_GAP = dt.timedelta(hours=6)
EVENT_KM = 50.0
MONTHS = tuple(calendar.month_name)[1:]


@dataclass
class Moment:
    """One photo as events see it."""

    id: int
    time: dt.datetime
    latitude: float | None = None
    longitude: float | None = None
    place: str | None = None


@dataclass
class Event:
    moments: list[Moment] = field(default_factory=list)

    @property
    def start(self) -> dt.datetime:
        return self.moments[0].time

    @property
    def end(self) -> dt.datetime:
        return self.moments[-1].time

    @property
    def place(self) -> str | None:
        names = Counter(m.place for m in self.moments if m.place)
        return names.most_common(1)[0][0] if names else None

    @property
    def title(self) -> str:
        return event_title(self.start, self.end, self.place)

    @property
    def photo_ids(self) -> list[int]:
        return [m.id for m in self.moments]


def _km(a: Moment, b: Moment) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    dlat = math.radians(b.latitude - a.latitude)  # type: ignore[operator]
    dlon = math.radians(b.longitude - a.longitude)  # type: ignore[operator]
    x = dlon * math.cos(math.radians((a.latitude + b.latitude) / 2))  # type: ignore[operator]
    return 6371.0 * math.hypot(x, dlat)


def split_events(moments: Sequence[Moment], gap: dt.timedelta = EVENT_GAP) -> list[Event]:
    """Events of ``moments`` (any order): cut at long time gaps and at changes of place."""
    events: list[Event] = []
    last: Moment | None = None
    for moment in sorted(moments, key=lambda m: (m.time, m.id)):
        new = last is None or moment.time - last.time > gap
        if not new and last is not None:
            distance = _km(last, moment)
            moved = distance is not None and distance > EVENT_KM
            renamed = bool(moment.place and last.place and moment.place != last.place)
            new = moved or renamed
        if new:
            events.append(Event())
        events[-1].moments.append(moment)
        last = moment
    return events


def event_title(start: dt.datetime, end: dt.datetime, place: str | None = None) -> str:
    """ "Paris, July 2023"; one day: "Paris, 14 July 2023"; across months: "June - July 2023"."""
    if start.date() == end.date():
        when = f"{start.day} {MONTHS[start.month - 1]} {start.year}"
    elif (start.year, start.month) == (end.year, end.month):
        when = f"{MONTHS[start.month - 1]} {start.year}"
    elif start.year == end.year:
        when = f"{MONTHS[start.month - 1]} - {MONTHS[end.month - 1]} {start.year}"
    else:
        when = f"{MONTHS[start.month - 1]} {start.year} - {MONTHS[end.month - 1]} {end.year}"
    return f"{place}, {when}" if place else when
