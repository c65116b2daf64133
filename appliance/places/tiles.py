"""Map tiles from MBTiles files: the packaged world basemap (OpenStreetMap z0-6) and any
larger MBTiles a family drops into the library's ``maps/`` folder for street level.

A file in ``maps/`` wins for the zooms it holds; the packaged basemap answers the rest.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from appliance.places.geocoder import DATA_DIR

BASEMAP = DATA_DIR / "basemap.mbtiles"
BASEMAP_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class TileSet:
    path: Path
    fmt: str  # png | jpg | webp
    minzoom: int
    maxzoom: int
    attribution: str


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def read_tileset(path: Path) -> TileSet | None:
    """An MBTiles file's metadata, or None when it is not a readable raster MBTiles."""
    try:
        with _open(path) as db:
            meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
    except sqlite3.Error:
        return None
    fmt = str(meta.get("format", "png")).lower()
    if fmt not in ("png", "jpg", "jpeg", "webp") or zooms[0] is None:
        return None  # vector tiles (pbf) need a renderer the appliance does not ship
    return TileSet(path, fmt, int(zooms[0]), int(zooms[1]), str(meta.get("attribution", "")))


class TileStore:
    """Tiles of the library's MBTiles files and the packaged basemap, newest rule first."""

    def __init__(self, maps_dir: Path | None) -> None:
        found = sorted(maps_dir.glob("*.mbtiles")) if maps_dir and maps_dir.is_dir() else []
        sets = [t for t in map(read_tileset, found) if t is not None]
        sets.sort(key=lambda t: -t.maxzoom)
        basemap = read_tileset(BASEMAP)
        self.sets = sets + ([basemap] if basemap else [])
        self._local = threading.local()

    @property
    def maxzoom(self) -> int:
        return max((t.maxzoom for t in self.sets), default=0)

    @property
    def attribution(self) -> str:
        names = dict.fromkeys(t.attribution for t in self.sets if t.attribution)
        return "; ".join(names) or BASEMAP_ATTRIBUTION

    def _conn(self, tileset: TileSet) -> sqlite3.Connection:
        conns = self._local.__dict__.setdefault("conns", {})
        if tileset.path not in conns:
            conns[tileset.path] = _open(tileset.path)
        return conns[tileset.path]

    def tile(self, z: int, x: int, y: int) -> tuple[bytes, str] | None:
        """The tile (bytes, mime type) at XYZ z/x/y, or None."""
        if not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        for tileset in self.sets:
            if not tileset.minzoom <= z <= tileset.maxzoom:
                continue
            row = (
                self._conn(tileset)
                .execute(
                    "SELECT tile_data FROM tiles"
                    " WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                    (z, x, 2**z - 1 - y),  # MBTiles rows count from the south (TMS)
                )
                .fetchone()
            )
            if row is not None:
                mime = "image/jpeg" if tileset.fmt in ("jpg", "jpeg") else f"image/{tileset.fmt}"
                return bytes(row[0]), mime
        return None
