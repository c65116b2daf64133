"""What an export kept beside a file (a Google Takeout JSON, an iCloud CSV row), laid over
the file's own metadata in the worker that reads the file, and kept in the XMP sidecar that
travels with it into the library (nothing lives only in the catalogue).

The rule (README, "Moving from Google Photos or iCloud"; `migrate.takeout_facts`): the
file's own metadata wins where it is present; the export fills what the file lacks:

- date: the export's UTC time when the file has no capture date of its own (a date guessed
  from the file's name loses to it), made the local time of the photo's place (its own,
  else the export's); with no place it stays UTC;
- place: the export's, when the file has no GPS position;
- description: the export's, when the file has none;
- favourite: only the export knew it (written as rating 5, as a sidecar carries it).

What is laid over reads as if a sidecar said it (``taken_at_source`` and ``place_source``
"sidecar"), so the catalogue keeps it as a decision and later sidecar writes keep it too.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from appliance.catalog.decisions import FAVOURITE_RATING
from appliance.media.metadata import Metadata
from appliance.media.xmp_write import Decisions, write_sidecar
from appliance.places import time_zones
from appliance.records import ExportFacts


def decisions_for(meta: Metadata, facts: ExportFacts) -> Decisions | None:
    """What ``facts`` add to a file whose own metadata is ``meta``; None when they add
    nothing."""
    decisions = Decisions()
    has_date = meta.taken_at is not None and meta.taken_at_source != "filename"
    has_place = meta.latitude is not None and meta.longitude is not None
    if facts.latitude is not None and facts.longitude is not None and not has_place:
        decisions.latitude, decisions.longitude = facts.latitude, facts.longitude
    if facts.taken_at is not None and not has_date:
        placed = meta if has_place else facts
        decisions.taken_at, decisions.taken_at_offset = _local_time(
            facts.taken_at, placed.latitude, placed.longitude
        )
    if facts.description and not meta.description:
        decisions.description = facts.description
    if facts.favorite:
        decisions.rating = FAVOURITE_RATING
    if (
        decisions.taken_at is None
        and decisions.latitude is None
        and decisions.description is None
        and not decisions.rating
    ):
        return None
    return decisions


def lay_over(meta: Metadata, facts: ExportFacts, sidecar: Path) -> None:
    """Lay ``facts`` over ``meta`` by the rule above and write what they add to ``sidecar``,
    a new file (an export's files bring none). Raises ExifToolError when it cannot be
    written, FileExistsError when the file brought a sidecar of its own; ``meta`` has the
    facts either way."""
    decisions = decisions_for(meta, facts)
    if decisions is None:
        return
    if decisions.latitude is not None:
        meta.latitude, meta.longitude = decisions.latitude, decisions.longitude
        meta.place_source = "sidecar"
    if decisions.taken_at is not None:
        meta.taken_at, meta.taken_at_offset = decisions.taken_at, decisions.taken_at_offset
        meta.taken_at_source = "sidecar"
    if decisions.description is not None:
        meta.description = decisions.description
    if decisions.rating:
        meta.rating = decisions.rating
    if meta.sidecar is not None or sidecar.exists():
        raise FileExistsError(f"{sidecar.name}: the file brought a sidecar of its own")
    write_sidecar(sidecar, decisions)
    meta.sidecar = str(sidecar)


def _local_time(utc: datetime, lat: float | None, lon: float | None) -> tuple[datetime, int]:
    """Google's and Apple's dates are UTC: the place makes them the local time there."""
    local = time_zones.local_from_utc(utc, lat, lon)
    return local or (utc, 0)
