"""What a Takeout JSON says about one photo, and what of it Shoebox takes.

The rule (README, "Moving from Google Photos"; laid over the file by
`ingest.export_facts` as it is read): **the file's own metadata wins where it is present
and plausible**; the JSON fills what the file lacks or what only Google knew:

- date: the JSON's ``photoTakenTime`` (UTC) when the file has no capture date of its own
  (a date guessed from the file's name loses to it), as the local time of the photo's
  place (UTC where no place is known);
- place: ``geoData`` (what Google showed, maybe set by hand), else ``geoDataExif``, when
  the file has no GPS position; 0,0 means unknown;
- description: the JSON's, when the file has none;
- favourite (``favorited``), archived (``archived``), in the trash (``trashed``): only
  Google knew them; the folder an item is in (Archive, Trash) says the same;
- people: the names Google's face grouping gave (``people``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from appliance.records import ExportFacts

MAX_JSON = 1024 * 1024  # a Takeout JSON is a few KB; more is not one


class FactsError(ValueError):
    """The JSON cannot be read; the message says why."""


@dataclass(slots=True)
class Facts(ExportFacts):
    """What the pipeline lays over the file (`ExportFacts`) and what the import does with
    the photo after it (archive, trash, people)."""

    altitude: float | None = None
    archived: bool = False
    trashed: bool = False
    people: Sequence[str] = ()  # a list when the JSON names people (none: no list held)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN


def _place(data: Any) -> tuple[float, float, float | None] | None:
    if not isinstance(data, dict):
        return None
    lat, lon = _number(data.get("latitude")), _number(data.get("longitude"))
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, _number(data.get("altitude"))


def _taken(data: Any) -> dt.datetime | None:
    if not isinstance(data, dict):
        return None
    seconds = _number(data.get("timestamp"))
    if seconds is None or seconds <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def parse_facts(raw: bytes) -> Facts:
    """The facts of one Takeout JSON (raises FactsError when it is not one)."""
    if len(raw) > MAX_JSON:
        raise FactsError(f"JSON of {len(raw)} bytes is too large for a Takeout JSON")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FactsError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FactsError("not a Takeout JSON (not an object)")
    facts = Facts(taken_at=_taken(data.get("photoTakenTime")))
    place = _place(data.get("geoData")) or _place(data.get("geoDataExif"))
    if place is not None:
        facts.latitude, facts.longitude, facts.altitude = place
    description = data.get("description")
    if isinstance(description, str) and description.strip():
        facts.description = description.strip()
    facts.favorite = data.get("favorited") is True
    facts.archived = data.get("archived") is True
    facts.trashed = data.get("trashed") is True
    people = data.get("people")
    if isinstance(people, list):
        names = [p.get("name") for p in people if isinstance(p, dict)]
        facts.people = list(
            dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip())
        )
    return facts


@dataclass(frozen=True)
class AlbumInfo:
    title: str
    description: str = ""


def parse_album(raw: bytes, folder_name: str) -> AlbumInfo:
    """An album folder's ``metadata.json`` (its title and description); the folder's
    name when the file is unreadable."""
    try:
        data = json.loads(raw.decode("utf-8-sig")) if len(raw) <= MAX_JSON else {}
    except (UnicodeDecodeError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    title = data.get("title")
    description = data.get("description")
    return AlbumInfo(
        title.strip() if isinstance(title, str) and title.strip() else folder_name,
        description.strip() if isinstance(description, str) else "",
    )
