"""Server-side clustering of photo positions for the map.

Photos are grouped by a grid cell of ``CELL_PX`` screen pixels at the requested zoom (cells
of equal angular size), so a view of the world at any zoom returns a few hundred clusters,
never 100,000 markers. The positions are read from the catalog once and kept in numpy arrays
until the catalog changes; grouping 100,000 of them takes a few milliseconds, where the same
GROUP BY in SQLite takes ~100 ms of CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from appliance.catalog.connection_cache import ConnectionCache
from appliance.catalog.models import Photo
from appliance.catalog.private import not_private
from appliance.errors import BadRequest

CELL_PX = 60
TILE_PX = 256
MAX_ZOOM = 22
PHOTOS_LIMIT = 200
MAX_CELLS_ACROSS = 64  # a bbox far larger than the screen at its zoom is cut coarser


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """``south,west,north,east`` in degrees; else BadRequest (a 400) with the reason."""
        parts = text.split(",")
        if len(parts) != 4:
            raise BadRequest("bbox needs south,west,north,east")
        try:
            s, w, n, e = (float(p) for p in parts)
        except ValueError:
            raise BadRequest("bbox values must be numbers") from None
        if not all(abs(v) != float("inf") and v == v for v in (s, w, n, e)):
            raise BadRequest("bbox values must be finite")
        if not (-90 <= s <= n <= 90):
            raise BadRequest("bbox latitudes must be within ±90 with south <= north")
        return cls(s, max(w, -180.0), n, min(e, 180.0))

    def condition(self) -> Any:
        lat = Photo.latitude.between(self.south, self.north)
        if self.west <= self.east:
            return lat & Photo.longitude.between(self.west, self.east)
        return lat & ((Photo.longitude >= self.west) | (Photo.longitude <= self.east))


def _visible() -> Any:
    return (
        (Photo.status == "ok")
        & (Photo.archived == False)  # noqa: E712
        & Photo.latitude.is_null(False)
        & Photo.longitude.is_null(False)
        & ~((Photo.latitude == 0) & (Photo.longitude == 0))
        & not_private()
    )


@dataclass(frozen=True)
class _Positions:
    lat: np.ndarray
    lon: np.ndarray
    ids: np.ndarray


_kept: ConnectionCache[_Positions] = ConnectionCache()


def _positions() -> _Positions:
    """Every visible photo position, read once and kept until the catalog changes
    (`catalog.connection_cache`)."""
    return _kept.get(None, _read_positions)


def _read_positions() -> _Positions:
    db = Photo._meta.database
    sql, params = Photo.select(Photo.latitude, Photo.longitude, Photo.id).where(_visible()).sql()
    table = np.array(db.execute_sql(sql, params).fetchall(), dtype=np.float64).reshape(-1, 3)
    return _Positions(table[:, 0].copy(), table[:, 1].copy(), table[:, 2].astype(np.int64))


def clusters(bbox: BBox, zoom: int) -> list[dict[str, Any]]:
    """Clusters inside ``bbox`` at ``zoom``: centre, count, bounds and one photo to show."""
    zoom = max(0, min(int(zoom), MAX_ZOOM))
    cell = 360.0 / (2**zoom) * CELL_PX / TILE_PX  # degrees per cell
    lon_span = (bbox.east - bbox.west) % 360 or 360
    cell = max(cell, (bbox.north - bbox.south) / MAX_CELLS_ACROSS, lon_span / MAX_CELLS_ACROSS)
    pos = _positions()
    inside = (pos.lat >= bbox.south) & (pos.lat <= bbox.north)
    if bbox.west <= bbox.east:
        inside &= (pos.lon >= bbox.west) & (pos.lon <= bbox.east)
    else:
        inside &= (pos.lon >= bbox.west) | (pos.lon <= bbox.east)
    lat, lon, ids = pos.lat[inside], pos.lon[inside], pos.ids[inside]
    if not len(ids):
        return []
    key = np.floor((lon + 180.0) / cell).astype(np.int64) * 1_000_000_000 + np.floor(
        (lat + 90.0) / cell
    ).astype(np.int64)
    order = np.argsort(key, kind="stable")
    key, lat, lon, ids = key[order], lat[order], lon[order], ids[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    counts = np.diff(np.r_[starts, len(key)])
    groups = zip(
        counts.tolist(),
        (np.add.reduceat(lat, starts) / counts).tolist(),
        (np.add.reduceat(lon, starts) / counts).tolist(),
        np.minimum.reduceat(lat, starts).tolist(),
        np.minimum.reduceat(lon, starts).tolist(),
        np.maximum.reduceat(lat, starts).tolist(),
        np.maximum.reduceat(lon, starts).tolist(),
        np.maximum.reduceat(ids, starts).tolist(),
        strict=True,
    )
    out = [
        {
            "lat": round(c_lat, 6),
            "lon": round(c_lon, 6),
            "count": count,
            "bounds": [s, w, n, e],
            "photo_id": photo_id,
        }
        for count, c_lat, c_lon, s, w, n, e, photo_id in groups
    ]
    shas = dict(
        Photo.select(Photo.id, Photo.primary_sha256)
        .where(Photo.id.in_([c["photo_id"] for c in out]))
        .tuples()
    )
    for c in out:
        c["sha256"] = shas.get(c["photo_id"])
    return out


def photos_in(bbox: BBox, limit: int = PHOTOS_LIMIT) -> list[dict[str, Any]]:
    """The photos of a cluster (its bounds), newest first."""
    rows = (
        Photo.select(
            Photo.id,
            Photo.primary_sha256,
            Photo.sort_time,
            Photo.latitude,
            Photo.longitude,
            Photo.place_city,
            Photo.place_country,
        )
        .where(_visible() & bbox.condition())
        .order_by(Photo.sort_time.desc(), Photo.id.desc())
        .limit(max(1, min(int(limit), PHOTOS_LIMIT)))
    )
    return [
        {
            "id": p.id,
            "sha256": p.primary_sha256,
            "time": p.sort_time.isoformat() if p.sort_time else None,
            "lat": p.latitude,
            "lon": p.longitude,
            "place": p.place_city or p.place_country,  # the sheet names where they are
        }
        for p in rows
    ]
