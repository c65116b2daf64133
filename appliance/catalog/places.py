"""Places in the catalog: a photo's place, geocoding on commit and in the background,
setting a place by hand, and the Places listing.

The place columns live on `Photo` (``place_*``). ``places_version`` says which dataset
geocoded the photo (0: not yet), so a newer dataset, or an old library after the places schema
step, is geocoded again by :func:`backfill` without touching hand-set places. A position also
gives a capture time without a zone the place's zone (:mod:`appliance.places.time_zones`):
on import, in the backfill (version 2) and when a place is set by hand.
"""

from __future__ import annotations

import logging
from typing import Any

import peewee as pw
from peewee import fn

from appliance.catalog.models import Photo, utcnow
from appliance.catalog.private import not_private
from appliance.places import time_zones
from appliance.places.place import Place, valid_position

log = logging.getLogger(__name__)

# bump when the packaged dataset or the lookup rules change (2: capture times take the zone)
PLACES_VERSION = 2
BACKFILL_BATCH = 500
PLACE_COLUMNS = ("place_country_code", "place_country", "place_region", "place_city")


def place_of(lat: float | None, lon: float | None) -> Place | None:
    """Geocode one position (the dataset is loaded on first use, once per process)."""
    if lat is None or lon is None or not valid_position(lat, lon):
        return None
    from appliance.places.geocoder import Geocoder

    return Geocoder.shared().lookup(lat, lon)


def places_of(positions: list[tuple[float, float]]) -> list[Place | None]:
    from appliance.places.geocoder import Geocoder

    return Geocoder.shared().lookup_many(positions)


def place_columns(lat: float | None, lon: float | None) -> dict[str, Any]:
    """Photo column values for a GPS position (all None when there is no valid position).

    A geocoder that cannot load (a damaged install) must not stop imports: the photo is
    committed without a place and ``places_version`` 0, so :func:`backfill` tries again."""
    try:
        return _columns(place_of(lat, lon), "gps")
    except (OSError, ValueError) as exc:
        log.error("places: cannot geocode (%s); the photo is placed later", exc)
        return {**dict.fromkeys(PLACE_COLUMNS), "place_source": None, "places_version": 0}


def _columns(place: Place | None, source: str) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(PLACE_COLUMNS)
    if place is not None:
        values.update({f"place_{k}": v for k, v in place.as_dict().items()})
    values["place_source"] = source if place is not None else None
    values["places_version"] = PLACES_VERSION
    return values


def photo_place(photo: Photo | int) -> Place | None:
    """The place of a photo (for event titles, the viewer, the export), or None."""
    if isinstance(photo, int):
        photo = Photo.get_or_none(Photo.id == photo)
    if photo is None or not photo.place_country_code:
        return None
    return Place(
        photo.place_country_code, photo.place_country, photo.place_region, photo.place_city
    )


def place_dict(photo: Photo) -> dict[str, str | None] | None:
    place = photo_place(photo)
    return place.as_dict() if place else None


def set_place(photo_ids: list[int], lat: float, lon: float, place: Place | None = None) -> int:
    """Set a position (and its place, geocoded when not given) on photos by hand.

    The one place where a manual position is written; it is marked ``manual`` so the
    background geocoder leaves it alone. Returns the number of photos changed."""
    if not valid_position(lat, lon):
        raise ValueError("latitude must be within ±90, longitude within ±180, and not 0,0")
    place = place or place_of(lat, lon)
    values = _columns(place, "manual")
    values.update(latitude=float(lat), longitude=float(lon), updated_at=utcnow())
    with Photo._meta.database.atomic():
        changed = Photo.update(**values).where(Photo.id.in_(photo_ids)).execute()
        times = Photo.select(*TIME_FIELDS).where(Photo.id.in_(photo_ids))
        for row in times:
            _settle_time(row, float(lat), float(lon))
    return changed


def backfill(batch: int = BACKFILL_BATCH) -> int:
    """Geocode up to ``batch`` photos that were never geocoded by this dataset; returns how
    many were looked at (0 when the library is up to date)."""
    rows = list(
        Photo.select(*TIME_FIELDS)
        .where(
            (Photo.places_version < PLACES_VERSION)
            & ((Photo.place_source.is_null()) | (Photo.place_source != "manual"))
        )
        .order_by(Photo.id)
        .limit(batch)
    )
    if not rows:
        return 0
    with_gps = [r for r in rows if r.latitude is not None and r.longitude is not None]
    found = dict(
        zip(
            [r.id for r in with_gps],
            places_of([(r.latitude, r.longitude) for r in with_gps]),
            strict=True,
        )
    )
    with Photo._meta.database.atomic():
        for row in rows:
            values = _columns(found.get(row.id), "gps")
            changed = (
                Photo.update(**values)
                .where((Photo.id == row.id) & (Photo.places_version < PLACES_VERSION))
                .execute()
            )
            if changed:
                _settle_time(row, row.latitude, row.longitude)
    return len(rows)


TIME_FIELDS = (
    Photo.id,
    Photo.latitude,
    Photo.longitude,
    Photo.taken_at,
    Photo.taken_at_offset,
    Photo.taken_at_source,
)


def _settle_time(row: Photo, lat: float | None, lon: float | None) -> None:
    """Give a catalogued capture time without a zone the zone of its place (the rule in
    time_zones); the sort time follows a UTC time made local."""
    settled = time_zones.settled_time(
        row.taken_at, row.taken_at_offset, row.taken_at_source, lat, lon
    )
    if settled is None:
        return
    taken_at, offset = settled
    Photo.update(
        taken_at=taken_at, taken_at_offset=offset, sort_time=taken_at, updated_at=utcnow()
    ).where((Photo.id == row.id) & (Photo.taken_at == row.taken_at) & _same_offset(row)).execute()


def _same_offset(row: Photo) -> pw.Expression:
    """Unchanged since it was read (an edit in between wins)."""
    if row.taken_at_offset is None:
        return Photo.taken_at_offset.is_null()
    return Photo.taken_at_offset == row.taken_at_offset


def backfill_all() -> int:
    total = 0
    while done := backfill():
        total += done
    return total


# --- the Places page ------------------------------------------------------------------------


def _visible() -> pw.Expression:
    return (Photo.status == "ok") & (Photo.archived == False) & not_private()  # noqa: E712


def list_countries() -> list[dict[str, Any]]:
    """Countries with photo counts and the newest photo as cover, most photos first."""
    rows = (
        Photo.select(
            Photo.place_country_code,
            Photo.place_country,
            fn.COUNT(Photo.id).alias("n"),
            fn.MAX(Photo.id).alias("cover"),
        )
        .where(_visible() & Photo.place_country_code.is_null(False))
        .group_by(Photo.place_country_code, Photo.place_country)
        .order_by(fn.COUNT(Photo.id).desc(), Photo.place_country)
        .tuples()
    )
    return _with_covers(
        [
            {"country_code": c, "country": name, "count": n, "cover": cover}
            for c, name, n, cover in rows
        ]
    )


def list_cities(country_code: str) -> list[dict[str, Any]]:
    """Regions and cities of one country with counts and covers, by region then count."""
    rows = (
        Photo.select(
            Photo.place_region,
            Photo.place_city,
            fn.COUNT(Photo.id).alias("n"),
            fn.MAX(Photo.id).alias("cover"),
        )
        .where(_visible() & (Photo.place_country_code == country_code.upper()))
        .group_by(Photo.place_region, Photo.place_city)
        .order_by(fn.COALESCE(Photo.place_region, "~"), fn.COUNT(Photo.id).desc())
        .tuples()
    )
    return _with_covers(
        [{"region": r, "city": c, "count": n, "cover": cover} for r, c, n, cover in rows]
    )


def _with_covers(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace each group's cover photo id by {id, sha256} (its thumbnail key)."""
    ids = [g["cover"] for g in groups]
    shas = dict(Photo.select(Photo.id, Photo.primary_sha256).where(Photo.id.in_(ids)).tuples())
    for group in groups:
        group["cover"] = {"id": group["cover"], "sha256": shas.get(group["cover"])}
    return groups
