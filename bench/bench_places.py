"""Places benchmarks: reverse geocoding 100,000 positions, and the map's marker API at
100,000 photos (server-side clustering).

    .venv/bin/python bench/bench_places.py [--positions 100000] [--photos 100000] [--runs 40]

Geocoding runs in a child process so its peak RSS (VmHWM) is its own. Baseline in the same
run: the bare nearest-town query (k-d tree only, what a plain GeoNames lookup does) on the
same positions. Markers: p50/p95 of GET /api/v1/map/clusters through the Flask app (routing,
session, SQL, JSON) for a world, a country and a city view; baseline in the same run: the same
world view returning every photo as its own marker (no clustering).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GEOCODE_CHILD = r"""
import json, random, sys, time
sys.path.insert(0, sys.argv[2])
n = int(sys.argv[1])
t0 = time.perf_counter()
from appliance.places.geocoder import Geocoder, _unit_vectors
import numpy as np
g = Geocoder.shared()
load = time.perf_counter() - t0
rng = random.Random(3)
# where photos are taken: near towns (80%), anywhere (20%, much of it sea)
towns = [(float(a), float(b)) for a, b in zip(g._lat, g._lon)]
pos = []
for _ in range(n):
    if rng.random() < 0.8:
        a, b = rng.choice(towns)
        pos.append((max(-90, min(90, a + rng.uniform(-0.1, 0.1))),
                    max(-180, min(180, b + rng.uniform(-0.1, 0.1)))))
    else:
        pos.append((rng.uniform(-60, 75), rng.uniform(-180, 180)))
t0 = time.perf_counter(); places = g.lookup_many(pos); batch = time.perf_counter() - t0
t0 = time.perf_counter()
for a, b in pos[:2000]:
    g.lookup(a, b)
single = (time.perf_counter() - t0) / 2000
lat = np.array([p[0] for p in pos]); lon = np.array([p[1] for p in pos])
t0 = time.perf_counter(); g._tree.query(_unit_vectors(lat, lon), k=1)
bare = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024
print(json.dumps(dict(load=load, batch=batch, single=single, bare=bare, hwm=hwm,
                      placed=sum(p is not None for p in places))))
"""


def bench_geocoding(n: int) -> None:
    repo = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", GEOCODE_CHILD, str(n), repo], capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(out.stderr)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"== reverse geocoding {n:,} positions (one process)")
    print(f"load dataset              {r['load']:8.2f} s")
    print(f"lookup_many (batch)       {r['batch']:8.2f} s   {n / r['batch']:>9,.0f} /s")
    print(f"lookup one at a time      {r['single'] * 1000:8.3f} ms  {1 / r['single']:>9,.0f} /s")
    print(f"baseline: nearest town    {r['bare']:8.2f} s   (k-d tree only, no borders)")
    print(f"peak RSS (VmHWM)          {r['hwm']:8.0f} MB")
    print(f"positions with a place    {r['placed']:8,} of {n:,}")


def generate(root: Path, photos: int, seed: int = 11) -> None:
    from appliance.catalog.db import connect
    from appliance.catalog.models import Photo, database_proxy
    from appliance.library import Library

    rng = random.Random(seed)
    connect(Library(root).ensure().catalog_path)
    trips = [(rng.uniform(-45, 65), rng.uniform(-130, 150)) for _ in range(300)]
    home = (48.2, 11.6)
    rows = []
    start = dt.datetime(2005, 1, 1)
    for i in range(1, photos + 1):
        when = start + dt.timedelta(seconds=rng.randrange(20 * 365 * 86400))
        lat = lon = None
        if rng.random() < 0.7:  # phones: most photos have GPS, most of them near home
            c = home if rng.random() < 0.6 else rng.choice(trips)
            lat, lon = c[0] + rng.gauss(0, 0.3), c[1] + rng.gauss(0, 0.3)
        rows.append(
            {
                "id": i,
                "primary_sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                "taken_at": when,
                "sort_time": when,
                "latitude": lat,
                "longitude": lon,
                "width": 4000,
                "height": 3000,
            }
        )
    with database_proxy.atomic():
        for k in range(0, len(rows), 5000):
            Photo.insert_many(rows[k : k + 5000]).execute()
    database_proxy.execute_sql("ANALYZE")


def _times(client, url: str, runs: int) -> tuple[float, float, int, int]:
    client.get(url)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    body = response.get_json()
    items = len(body.get("clusters") or body.get("photos") or body.get("points") or [])
    return statistics.median(samples), p95, items, len(response.data)


def bench_markers(photos: int, runs: int) -> None:
    from flask import jsonify, request

    from appliance.catalog.map_markers import BBox, _visible
    from appliance.catalog.models import Photo
    from appliance.catalog.users import create_user
    from appliance.config import Settings
    from appliance.library import Library
    from appliance.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lib"
        t0 = time.perf_counter()
        generate(root, photos)
        took = time.perf_counter() - t0
        print(f"\n== map marker API at {photos:,} photos (generated in {took:.0f} s)")
        app = create_app(Settings(library=root, setup_file=root / "none.toml"), Library(root))

        from appliance.catalog import map_markers

        @app.before_request
        def forget():  # as if the catalog had just changed: positions read again
            if "cold" in request.args:
                map_markers._cache.clear()

        @app.get("/bench/all-points")
        def all_points():  # the baseline: every photo is a marker, clustered in the browser
            bbox = BBox.parse("-90,-180,90,180")
            rows = Photo.select(Photo.id, Photo.latitude, Photo.longitude).where(
                _visible() & bbox.condition()
            )
            return jsonify(points=[list(row) for row in rows.tuples()])

        create_user("bench", "bench password 1", "admin")
        client = app.test_client()
        login = client.get("/login").text
        token = login.split('name="csrf-token" content="')[1].split('"')[0]
        client.post(
            "/login",
            data={"username": "bench", "password": "bench password 1", "csrf_token": token},
        )
        views = [
            ("world, zoom 2", "-85,-180,85,180", 2),
            ("Europe, zoom 5", "35,-10,60,30", 5),
            ("home city, zoom 11", "48.0,11.3,48.4,11.9", 11),
            ("street, zoom 16", "48.19,11.59,48.21,11.61", 16),
        ]
        print(f"{'view':28} {'p50 ms':>7} {'p95 ms':>7} {'markers':>8} {'bytes':>9}")
        for name, bbox, zoom in views:
            p50, p95, n, size = _times(
                client, f"/api/v1/map/clusters?bbox={bbox}&zoom={zoom}", runs
            )
            print(f"{name:28} {p50:7.1f} {p95:7.1f} {n:8,} {size:9,}")
        url = "/api/v1/map/clusters?bbox=-85,-180,85,180&zoom=2&cold=1"
        p50, p95, n, size = _times(client, url, max(5, runs // 4))
        print(f"{'world, after a catalog change':28} {p50:7.1f} {p95:7.1f} {n:8,} {size:9,}")
        p50, p95, n, size = _times(client, "/bench/all-points", max(5, runs // 4))
        print(f"{'baseline: every photo':28} {p50:7.1f} {p95:7.1f} {n:8,} {size:9,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    bench_geocoding(args.positions)
    bench_markers(args.photos, args.runs)


if __name__ == "__main__":
    main()
