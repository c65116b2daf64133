"""A place (country, region, city) and what counts as a real GPS position. No heavy imports:
the catalog and the web use these without loading the geocoder."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Place:
    """Where a photo was taken; names exactly as GeoNames spells them."""

    country_code: str  # ISO 3166-1 alpha-2
    country: str
    region: str | None  # admin1: state, province, Land...
    city: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def valid_position(lat: object, lon: object) -> bool:
    """A real GPS position: finite numbers in range, and not the (0, 0) of a missing fix."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        return False
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        return False
    if not (-90.0 <= lat_f <= 90.0 and -180.0 <= lon_f <= 180.0):
        return False
    return not (abs(lat_f) < 1e-6 and abs(lon_f) < 1e-6)
