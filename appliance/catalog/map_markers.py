"""Server-side clustering of photo positions for the map: one SQL GROUP BY per request.

Photos are grouped by a grid cell of ``CELL_PX`` screen pixels at the requested zoom (Web
Mercator x, and latitude bands of the same angular size), so a view of the world at any zoom
returns a few hundred clusters, never 100,000 markers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peewee import Cast, fn

from appliance.catalog.models import Photo

CELL_PX = 60
TILE_PX = 256
MAX_ZOOM = 22
PHOTOS_LIMIT = 200


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """``south,west,north,east`` in degrees; ValueError with a reason otherwise."""
        parts = text.split(",")
        if len(parts) != 4:
            raise ValueError("bbox needs south,west,north,east")
        try:
            s, w, n, e = (float(p) for p in parts)
        except ValueError:
            raise ValueError("bbox values must be numbers") from None
        if not all(abs(v) != float("inf") and v == v for v in (s, w, n, e)):
            raise ValueError("bbox values must be finite")
        if not (-90 <= s <= n <= 90):
            raise ValueError("bbox latitudes must be within ±90 with south <= north")
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
    )


def clusters(bbox: BBox, zoom: int) -> list[dict[str, Any]]:
    """Clusters inside ``bbox`` at ``zoom``: centre, count, bounds and one photo to show."""
    zoom = max(0, min(int(zoom), MAX_ZOOM))
    cell = 360.0 / (2**zoom) * CELL_PX / TILE_PX  # degrees per cell
    gx = Cast((Photo.longitude + 180.0) / cell, "INTEGER")
    gy = Cast((Photo.latitude + 90.0) / cell, "INTEGER")
    rows = (
        Photo.select(
            fn.COUNT(Photo.id),
            fn.AVG(Photo.latitude),
            fn.AVG(Photo.longitude),
            fn.MIN(Photo.latitude),
            fn.MIN(Photo.longitude),
            fn.MAX(Photo.latitude),
            fn.MAX(Photo.longitude),
            fn.MAX(Photo.id),
        )
        .where(_visible() & bbox.condition())
        .group_by(gx, gy)
        .tuples()
    )
    out = []
    for count, lat, lon, s, w, n, e, photo_id in rows:
        out.append(
            {
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "count": count,
                "bounds": [s, w, n, e],
                "photo_id": photo_id,
            }
        )
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
            Photo.id, Photo.primary_sha256, Photo.sort_time, Photo.latitude, Photo.longitude
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
        }
        for p in rows
    ]
