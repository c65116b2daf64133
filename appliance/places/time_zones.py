"""The time zone of a place, offline, and what it does to a capture time that came without
one.

The zone comes from PyPI ``tzfpy`` (timezone-boundary-builder's polygons inside the wheel,
looked up in Rust: one package, no download, ~35 MB and a few µs per lookup); the zone's rules
from the IANA database through ``zoneinfo`` (the system's, else PyPI ``tzdata``).

The rule (also in the README): a capture time keeps the offset its file gives. Where the file
gives none and the photo has a real GPS position,

- a wall-clock time (EXIF without ``OffsetTime``, a name like ``IMG_20190604_093400``) stays
  as it is and gets the offset of the place's zone at that moment;
- a UTC time (a phone video's QuickTime ``CreateDate``; Google's and Apple's exported dates)
  becomes the place's local time, with that offset.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.places.place import valid_position

log = logging.getLogger(__name__)

# capture-time sources whose time is UTC (metadata.Metadata.taken_at_source)
UTC_SOURCES = frozenset({"quicktime-utc"})


def zone_at(lat: float | None, lon: float | None) -> ZoneInfo | None:
    """The IANA zone at a position (``Etc/GMT±N`` at sea), or None where none is known."""
    if not valid_position(lat, lon):
        return None
    try:
        from tzfpy import get_tz
    except ImportError as exc:  # a damaged install: times keep what their files say
        log.error("time zones: cannot load the zone map (%s)", exc)
        return None
    return _zone(get_tz(float(lon), float(lat)) or "")  # type: ignore[arg-type]


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _minutes(delta: dt.timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds() // 60)


def local_from_utc(
    utc: dt.datetime, lat: float | None, lon: float | None
) -> tuple[dt.datetime, int] | None:
    """A naive UTC time as the place's wall-clock time and offset (minutes east of UTC)."""
    zone = zone_at(lat, lon)
    if zone is None:
        return None
    local = utc.replace(tzinfo=dt.UTC).astimezone(zone)
    offset = _minutes(local.utcoffset())
    return (local.replace(tzinfo=None), offset) if offset is not None else None


def offset_of_wall_time(local: dt.datetime, lat: float | None, lon: float | None) -> int | None:
    """The place's offset at a naive wall-clock time (the earlier one in an autumn repeat)."""
    zone = zone_at(lat, lon)
    return None if zone is None else _minutes(local.replace(tzinfo=zone).utcoffset())


def settled_time(
    taken_at: dt.datetime | None,
    offset: int | None,
    source: str | None,
    lat: Any,
    lon: Any,
) -> tuple[dt.datetime, int] | None:
    """The capture time and offset the place implies, or None when nothing changes (a time
    with its own offset, no time, no position, or no zone there)."""
    if taken_at is None or not valid_position(lat, lon):
        return None
    if source in UTC_SOURCES and offset == 0:
        settled = local_from_utc(taken_at, lat, lon)
    elif offset is None and source != "filetime":
        found = offset_of_wall_time(taken_at, lat, lon)
        settled = (taken_at, found) if found is not None else None
    else:
        return None
    if settled is None or settled == (taken_at, offset):
        return None
    return settled
