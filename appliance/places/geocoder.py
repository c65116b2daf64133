"""Offline reverse geocoding: GPS position -> place (country, region, city).

Data (built by models/build_places.py from packages, see data/README.md): GeoNames cities1000
with admin1 names, and Natural Earth 1:10m admin-0 borders. A position is looked up like this:

1. Impossible positions (not finite, out of range) and (0, 0), which cameras write when they
   have no fix, get no place.
2. The 16 nearest GeoNames places (k-d tree on unit vectors, so distances are true
   great-circle distances at every latitude).
3. Natural Earth decides between the countries of those places: when the point lies inside
   the border of one of them, only that country's places are candidates. A point on the
   French bank of the Rhine is in France even though Kehl (Germany) is the nearest town.
   Borders only choose among the countries GeoNames offers nearby, so a disputed area keeps
   GeoNames' (ISO 3166) country.
4. Among candidates within 5 km of the nearest, the largest wins by distance / population^¼
   (the Eiffel Tower is in Paris, not in Vanves). Beyond 50 km from any place the country
   comes from the border alone (a desert, a glacier); at sea with no place within 50 km there
   is no place.

One :class:`Geocoder` per process (:meth:`Geocoder.shared`), loaded on first use.
"""

from __future__ import annotations

import csv
import gzip
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

from appliance.places.place import Place, valid_position

DATA_DIR = Path(__file__).resolve().parent / "data"
EARTH_RADIUS_KM = 6371.0088
NEIGHBOURS = 16
CITY_WINDOW_KM = 5.0
MAX_CITY_KM = 50.0
POPULATION_FLOOR = 1000


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def _chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


class Geocoder:
    """The loaded datasets and the lookup. Thread-safe after construction."""

    _shared: Geocoder | None = None
    _lock = threading.Lock()

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        lat, lon, codes, population, regions, cities = [], [], [], [], [], []
        with gzip.open(data_dir / "cities.tsv.gz", "rt", encoding="utf-8") as f:
            rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows)
            for row in rows:
                lat.append(float(row[0]))
                lon.append(float(row[1]))
                codes.append(row[2])
                population.append(int(row[3]))
                regions.append(row[4] or None)
                cities.append(row[5])
        self._lat = np.array(lat, dtype=np.float32)
        self._lon = np.array(lon, dtype=np.float32)
        self._codes = np.array(codes, dtype="<U2")
        self._weight = np.maximum(np.array(population, dtype=np.float64), POPULATION_FLOOR) ** 0.25
        self._population = np.array(population, dtype=np.int64)
        self._regions = regions
        self._cities = cities
        self._tree = cKDTree(_unit_vectors(self._lat, self._lon))
        with open(data_dir / "countries.tsv", encoding="utf-8") as f:
            rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows)
            self.countries: dict[str, str] = {code: name for code, name in rows}
        border_codes, geoms = [], []
        with gzip.open(data_dir / "borders.tsv.gz", "rt", encoding="ascii") as f:
            for line in f:
                code, wkb = line.rstrip("\n").split("\t")
                border_codes.append(code)
                geoms.append(shapely.from_wkb(wkb))
        self._border_codes = np.array(border_codes, dtype="<U2")
        self._borders = shapely.STRtree(geoms)
        self._folded: list[str] | None = None

    @classmethod
    def shared(cls) -> Geocoder:
        """The process's geocoder, loaded on first use."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    # --- reverse ---------------------------------------------------------------------------

    def lookup(self, lat: float, lon: float) -> Place | None:
        return self.lookup_many([(lat, lon)])[0]

    def lookup_many(self, positions: Sequence[tuple[float, float]]) -> list[Place | None]:
        """Places of many (lat, lon) positions at once (vectorised tree and border queries)."""
        out: list[Place | None] = [None] * len(positions)
        keep = [i for i, (la, lo) in enumerate(positions) if valid_position(la, lo)]
        if not keep:
            return out
        lat = np.array([float(positions[i][0]) for i in keep])
        lon = np.array([float(positions[i][1]) for i in keep])
        chord, nearest = self._tree.query(_unit_vectors(lat, lon), k=NEIGHBOURS)
        km = _chord_to_km(chord)
        # Borders only matter where the nearby towns belong to more than one country, or
        # where no town is near (sea or desert): test just those points against polygons.
        codes = self._codes[nearest]
        doubtful = (codes != codes[:, :1]).any(axis=1) | (km[:, 0] > MAX_CITY_KM)
        inside: list[str | None] = [None] * len(keep)
        rows = np.flatnonzero(doubtful)
        for row, code in zip(
            rows.tolist(), self._border_country(lat[rows], lon[rows]), strict=True
        ):
            inside[row] = code
        for row, place in enumerate(self._choose(km, nearest, inside)):
            out[keep[row]] = place
        return out

    def _border_country(self, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
        points = shapely.points(lon, lat)
        point_idx, geom_idx = self._borders.query(points, predicate="intersects")
        found: list[str | None] = [None] * len(points)
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            found[p] = str(self._border_codes[g])
        return found

    def _choose(
        self, km: np.ndarray, nearest: np.ndarray, border: list[str | None]
    ) -> list[Place | None]:
        """Rules 3 and 4 of the module docstring, for all rows at once."""
        codes = self._codes[nearest]
        border_codes = np.array([b or "" for b in border], dtype="<U2")
        match = codes == border_codes[:, None]
        restrict = match.any(axis=1)  # the border's country is among the nearby towns
        km = np.where(~restrict[:, None] | match, km, np.inf)
        first = km.min(axis=1)
        window = km <= first[:, None] + CITY_WINDOW_KM
        score = np.where(window, km / self._weight[nearest], np.inf)
        best = nearest[np.arange(len(nearest)), score.argmin(axis=1)]
        out: list[Place | None] = []
        for row, index in enumerate(best.tolist()):
            if first[row] > MAX_CITY_KM:
                out.append(self._place(border[row], None, None) if border[row] else None)
            else:
                out.append(
                    self._place(str(self._codes[index]), self._regions[index], self._cities[index])
                )
        return out

    def _place(self, code: str, region: str | None, city: str | None) -> Place:
        return Place(code, self.countries.get(code, code), region, city)

    # --- forward (typing a place name) -----------------------------------------------------

    def search(self, text: str, limit: int = 10) -> list[tuple[Place, float, float]]:
        """Places whose city name starts with ``text`` (case-insensitive), largest first."""
        needle = text.strip().casefold()
        if not needle:
            return []
        if self._folded is None:
            self._folded = [c.casefold() for c in self._cities]
        hits = [i for i, name in enumerate(self._folded) if name.startswith(needle)]
        hits.sort(key=lambda i: (self._folded[i] != needle, -int(self._population[i])))
        return [
            (
                self._place(str(self._codes[i]), self._regions[i], self._cities[i]),
                float(self._lat[i]),
                float(self._lon[i]),
            )
            for i in hits[:limit]
        ]
