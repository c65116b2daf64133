"""Server time of the web UI on a generated 100,000-photo catalog (real schema).

Times the Flask app in-process (test client: routing, session, SQL, JSON) for the timeline
(first and a deep keyset page), a label search (a synonym), a person search and a combined
filter. Baseline in the same run: the same deep page with OFFSET pagination, and a trivial
authenticated request (the framework's floor). Target: p95 < 50 ms each.

    .venv/bin/python bench/bench_web.py [--photos 100000] [--runs 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.catalog.db import connect  # noqa: E402
from appliance.catalog.models import (  # noqa: E402
    Face,
    File,
    Label,
    Person,
    Photo,
    PhotoLabel,
    database_proxy,
)
from appliance.catalog.queries import PHOTO_COLUMNS  # noqa: E402
from appliance.catalog.users import create_user  # noqa: E402
from appliance.config import Settings  # noqa: E402
from appliance.library import Library  # noqa: E402
from appliance.web import create_app  # noqa: E402

LABELS = ["cat", "dog", "car", "beach", "tree", "flower", "bird", "mountain", "food", "bicycle"]
LABELS += [f"thing{i}" for i in range(190)]
MAKES = ["Canon", "NIKON", "Apple", "SONY", "FUJIFILM", "samsung"]


def generate(root: Path, photos: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    db = connect(Library(root).ensure().catalog_path)
    start = dt.datetime(2005, 1, 1)
    with database_proxy.atomic():
        Label.insert_many([{"name": n} for n in LABELS]).execute()
        Person.insert_many(
            [{"name": f"Person {i}" if i < 60 else None} for i in range(300)]
        ).execute()
    rows, labels, faces, files = [], [], [], []
    for i in range(1, photos + 1):
        when = start + dt.timedelta(seconds=rng.randrange(20 * 365 * 86400))
        rows.append(
            {
                "id": i,
                "primary_sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                "taken_at": when,
                "sort_time": when,
                "kind": "raw" if rng.random() < 0.05 else "image",
                "mime": "image/heic" if rng.random() < 0.2 else "image/jpeg",
                "camera_make": rng.choice(MAKES),
                "camera_model": f"Model {rng.randrange(20)}",
                "favorite": rng.random() < 0.03,
                "archived": rng.random() < 0.01,
                "width": 4000,
                "height": 3000,
                "latitude": rng.uniform(40, 50) if rng.random() < 0.4 else None,
                "longitude": rng.uniform(0, 10) if rng.random() < 0.4 else None,
            }
        )
        files.append(
            {
                "photo": i,
                "sha256": rows[-1]["primary_sha256"],
                "size": 3_000_000,
                "original_name": f"IMG_{i:05d}.JPG",
                "stored_path": f"{when:%Y/%m}/IMG_{i:05d}.JPG",
            }
        )
        # Zipf-ish label use: common labels on many photos, rare ones on few
        for label_id in {min(int(rng.paretovariate(1.0)), len(LABELS)) for _ in range(3)}:
            labels.append({"photo": i, "label": label_id, "confidence": 0.8})
        if rng.random() < 0.3:
            faces.append(
                {
                    "photo": i,
                    "box_x": 10,
                    "box_y": 10,
                    "box_w": 50,
                    "box_h": 50,
                    "score": 0.9,
                    "person": rng.randrange(1, 301),
                }
            )
    with database_proxy.atomic():
        for chunk in range(0, len(rows), 2000):
            Photo.insert_many(rows[chunk : chunk + 2000]).execute()
        for chunk in range(0, len(files), 5000):
            File.insert_many(files[chunk : chunk + 5000]).execute()
        for chunk in range(0, len(labels), 5000):
            PhotoLabel.insert_many(labels[chunk : chunk + 5000]).on_conflict_ignore().execute()
        for chunk in range(0, len(faces), 5000):
            Face.insert_many(faces[chunk : chunk + 5000]).execute()
    db.execute_sql("ANALYZE")
    db.close()


def timings(client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm the page cache
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated library here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-bench-")) / "library"
    if not (root / "catalog.db").exists():
        t0 = time.perf_counter()
        generate(root, args.photos)
        print(f"generated {args.photos} photos in {time.perf_counter() - t0:.1f} s")
    settings = Settings(library=root, setup_file=root / "none")
    app = create_app(settings, Library(root))
    from appliance.catalog.models import User

    if not User.select().where(User.username == "bench").exists():
        create_user("bench", "bench password", "admin")
    client = app.test_client()
    page = client.get("/login")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    client.post(
        "/login", data={"username": "bench", "password": "bench password", "csrf_token": token}
    )
    # a cursor deep into the timeline (page ~800 of 60)
    deep = (
        Photo.select(*PHOTO_COLUMNS)
        .where((Photo.status == "ok") & (Photo.archived == False))  # noqa: E712
        .order_by(Photo.sort_time.desc(), Photo.id.desc())
        .offset(48_000)
        .first()
    )
    from appliance.catalog.queries import encode_cursor

    cursor = encode_cursor(deep.sort_time, deep.id)
    cases = [
        ("timeline, first page", "/api/v1/photos"),
        ("timeline, page 800 (keyset)", f"/api/v1/photos?cursor={cursor}"),
        ("label search: kitty", "/api/v1/photos?q=kitty"),
        ("rare label: label:thing150", "/api/v1/photos?q=label:thing150"),
        ('person search: person:"Person 7"', "/api/v1/photos?q=person:%22Person%207%22"),
        (
            "combined: car year:2015 camera:canon -favorite:yes",
            "/api/v1/photos?q=car%20year:2015%20camera:canon%20-favorite:yes",
        ),
        ("near:45,5,50 type:heic", "/api/v1/photos?q=near:45,5,50%20type:heic"),
        ("timeline HTML page", "/"),
    ]
    baseline = [
        ("baseline: trivial JSON (status)", "/api/v1/openapi.json"),
    ]
    print(f"{'case':52} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for name, url in baseline + cases:
        values = timings(client, url, args.runs)
        p50, p95 = statistics.median(values), pct(values, 95)
        if not name.startswith("baseline"):
            worst = max(worst, p95)
        print(f"{name:52} {p50:8.1f} {p95:8.1f}")
    # OFFSET baseline for the same deep page, straight SQL (what keyset avoids)
    values = []
    for _ in range(args.runs // 3):
        t0 = time.perf_counter()
        list(
            Photo.select(*PHOTO_COLUMNS)
            .where((Photo.status == "ok") & (Photo.archived == False))  # noqa: E712
            .order_by(Photo.sort_time.desc(), Photo.id.desc())
            .offset(48_000)
            .limit(61)
        )
        values.append((time.perf_counter() - t0) * 1000)
    print(
        f"{'baseline: page 800 with OFFSET (SQL only)':52} "
        f"{statistics.median(values):8.1f} {pct(values, 95):8.1f}"
    )
    print(f"worst p95 {worst:.1f} ms (target < 50 ms): {'OK' if worst < 50 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
