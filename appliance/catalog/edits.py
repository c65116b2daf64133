"""Edits a person makes to a photo's facts: capture date and zone, place, title, description.

Edits live in the catalog and, through the sidecar queue (triggers on these columns, see
`catalog.sidecar_triggers`), in the photo's XMP sidecar; the original is never written.
An edited date has the source ``manual``, an edited place the place source ``manual``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from appliance.catalog import labels, places
from appliance.catalog.models import Photo, database_proxy, utcnow
from appliance.errors import BadRequest, NotFound

MAX_OFFSET_MINUTES = 14 * 60
MAX_TEXT = 2000
MAX_ALTITUDE = 100_000  # metres: aircraft and balloons, not orbit
MAX_SHIFT = dt.timedelta(days=366 * 200)  # more is not a camera clock error


class EditError(BadRequest):
    """An edit that cannot be made (unknown photo, impossible value)."""


class PhotoNotFound(NotFound, EditError):
    """No photo with that id."""


def _photo(photo_id: int) -> Photo:
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is None:
        raise PhotoNotFound(f"no photo {photo_id}")
    return photo


def _check_offset(offset: int | None) -> None:
    if offset is not None and (
        isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > MAX_OFFSET_MINUTES
    ):
        raise EditError("the UTC offset is in minutes, between -840 and +840")


def _check_time(when: dt.datetime) -> None:
    if not isinstance(when, dt.datetime):
        raise EditError("the capture time must be a date and time")
    if not 1800 <= when.year <= dt.date.today().year + 1:
        raise EditError(f"implausible capture year {when.year}")


def set_taken_at(photo_id: int, when: dt.datetime, offset_minutes: int | None = None) -> Photo:
    """Set a photo's capture date and time (local wall time) and its UTC offset.

    An aware ``when`` brings its own offset (``offset_minutes`` must then agree or be None).
    """
    if isinstance(when, dt.datetime) and when.tzinfo is not None:
        own = int(when.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        if offset_minutes is not None and offset_minutes != own:
            raise EditError("the time's own UTC offset and the offset given differ")
        offset_minutes, when = own, when.replace(tzinfo=None)
    _check_time(when)
    _check_offset(offset_minutes)
    with database_proxy.atomic():
        _photo(photo_id)
        Photo.update(
            taken_at=when.replace(microsecond=0),
            taken_at_offset=offset_minutes,
            taken_at_source="manual",
            sort_time=when.replace(microsecond=0),
            updated_at=utcnow(),
        ).where(Photo.id == photo_id).execute()
        return Photo.get_by_id(photo_id)


def shift_taken_at(photo_ids: Iterable[int], delta: dt.timedelta) -> int:
    """Shift the capture time of every given photo that has one by ``delta`` (the camera
    clock was wrong); the UTC offsets stay. Returns how many photos changed."""
    ids = list(dict.fromkeys(photo_ids))
    if not isinstance(delta, dt.timedelta):
        raise EditError("the shift must be a time difference")
    if abs(delta) > MAX_SHIFT:
        raise EditError("a shift of more than 200 years is not a clock error")
    changed = 0
    with database_proxy.atomic():
        for photo in Photo.select().where(Photo.id.in_(ids) & Photo.taken_at.is_null(False)):
            try:
                when = photo.taken_at + delta
            except OverflowError as exc:
                raise EditError("the shift leaves the calendar") from exc
            _check_time(when)
            Photo.update(
                taken_at=when,
                taken_at_source="manual",
                sort_time=when,
                updated_at=utcnow(),
            ).where(Photo.id == photo.id).execute()
            changed += 1
    return changed


def set_place(
    photo_id: int, latitude: float, longitude: float, altitude: float | None = None
) -> Photo:
    """Set where a photo was taken (signed degrees; for photos without GPS, or to correct)."""
    for value, limit, what in ((latitude, 90, "latitude"), (longitude, 180, "longitude")):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EditError(f"{what} must be a number of degrees")
        if not -limit <= value <= limit:
            raise EditError(f"{what} must be between -{limit} and {limit}")
    if altitude is not None and (
        isinstance(altitude, bool)
        or not isinstance(altitude, int | float)
        or not -MAX_ALTITUDE <= altitude <= MAX_ALTITUDE
    ):
        raise EditError(f"altitude must be metres between -{MAX_ALTITUDE} and {MAX_ALTITUDE}")
    with database_proxy.atomic():
        _photo(photo_id)
        try:  # the one writer of a manual position: it also names the place (geocoded)
            places.set_place([photo_id], float(latitude), float(longitude))
        except ValueError as exc:
            raise EditError(str(exc)) from exc
        Photo.update(altitude=None if altitude is None else float(altitude)).where(
            Photo.id == photo_id
        ).execute()
        return Photo.get_by_id(photo_id)


def set_text(photo_id: int, *, title: str | None = None, description: str | None = None) -> Photo:
    """Set (or with an empty text, clear) a photo's title and/or description."""
    values = {}
    for name, value in (("title", title), ("description", description)):
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise EditError(f"{name} must be a text of at most {MAX_TEXT} characters")
        values[name] = " ".join(value.split()) or None
    with database_proxy.atomic():
        _photo(photo_id)
        if values:
            Photo.update(**values, updated_at=utcnow()).where(Photo.id == photo_id).execute()
            labels.relabel(photo_id)  # a title may name the animal the classifier missed
        return Photo.get_by_id(photo_id)


def seconds_shift(seconds: int) -> dt.timedelta:
    """A shift given in seconds (API), refused beyond the 200-year bound."""
    if abs(seconds) > MAX_SHIFT.total_seconds():
        raise EditError("a shift of more than 200 years is not a clock error")
    return dt.timedelta(seconds=seconds)


def parse_shift(text: str) -> dt.timedelta:
    """``+1h``, ``-30m``, ``+2d3h``, ``-1:30`` (hours:minutes), ``+90s`` -> a timedelta."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    clock = re.fullmatch(r"(\d+):(\d\d)(?::(\d\d))?", body)
    if clock:
        h, m, s = (int(v or 0) for v in clock.groups())
        try:
            return sign * dt.timedelta(hours=h, minutes=m, seconds=s)
        except OverflowError as exc:
            raise EditError(f"the shift {text!r} is too large") from exc
    parts = re.findall(r"(\d+)\s*([dhms])", body)
    if not parts or re.sub(r"\d+\s*[dhms]", "", body).strip():
        raise EditError(f"cannot read the shift {text!r} (try +1h, -30m, +2d3h, -1:30)")
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    delta = dt.timedelta()
    try:
        for amount, unit in parts:
            delta += dt.timedelta(**{units[unit]: int(amount)})
    except OverflowError as exc:
        raise EditError(f"the shift {text!r} is too large") from exc
    return sign * delta


def parse_offset(text: str | None) -> int | None:
    """``+02:00``, ``-0530``, ``Z`` -> minutes east of UTC (None when not given)."""
    if text is None:
        return None
    if text.strip().upper() in ("Z", "UTC"):
        return 0
    try:
        zone = dt.datetime.strptime(text.strip().replace(":", ""), "%z").utcoffset()
    except ValueError as exc:
        raise EditError(f"cannot read the UTC offset {text!r} (try +02:00)") from exc
    return int(zone.total_seconds() // 60) if zone is not None else None


def parse_time(text: str) -> dt.datetime:
    """ISO 8601 (``2023-07-14T18:30:05+02:00``) or EXIF style (``2023:07:14 18:30:05``)."""
    value = text.strip()
    if len(value) >= 10 and value[4] == ":" and value[7] == ":":
        value = value[:4] + "-" + value[5:7] + "-" + value[8:]
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise EditError(f"cannot read the time {text!r} (try 2023-07-14 18:30:05)") from exc


EDIT_KEYS = ("taken_at", "taken_at_offset", "latitude", "longitude", "altitude")
TEXT_KEYS = ("title", "description")


def apply_edits(photo_id: int, data: dict[str, Any]) -> bool:
    """The date, place, title and description edits asked for in ``data`` (the API's
    PATCH body); False when it asks for none. Run it inside the caller's transaction, so
    a refused part undoes the others."""
    if not any(k in data for k in (*EDIT_KEYS, *TEXT_KEYS)):
        return False
    if "taken_at" in data:
        if not isinstance(data["taken_at"], str):
            raise EditError("taken_at is an ISO 8601 time, e.g. 2023-07-14T18:30:05+02:00")
        offset = data.get("taken_at_offset")
        if offset is not None and (isinstance(offset, bool) or not isinstance(offset, int)):
            raise EditError("taken_at_offset is in minutes east of UTC")
        set_taken_at(photo_id, parse_time(data["taken_at"]), offset)
    if "latitude" in data or "longitude" in data or "altitude" in data:
        set_place(photo_id, data.get("latitude"), data.get("longitude"), data.get("altitude"))
    if "title" in data or "description" in data:
        set_text(photo_id, title=data.get("title"), description=data.get("description"))
    return True
