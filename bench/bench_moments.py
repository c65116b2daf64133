"""Moments benchmark: hash + quality ms/photo, grouping 100,000 photos, lookups, memories.

Baselines measured in the same run: decoding the grid thumbnail alone (the floor of the
hash step), a numpy full scan of every hash (what the multi-index replaces), reading the
rows grouping needs (the floor of grouping), and the memories query without its
expression index.

    .venv/bin/python bench/bench_moments.py [--photos 100000] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from appliance.catalog import stacks  # noqa: E402
from appliance.catalog.db import open_catalog  # noqa: E402
from appliance.catalog.memories import on_this_day  # noqa: E402
from appliance.catalog.models import Photo, PhotoHash, Stack  # noqa: E402
from appliance.media.render import render  # noqa: E402
from appliance.media.sniff import sniff  # noqa: E402
from appliance.moments.features import measure_jpeg  # noqa: E402
from appliance.moments.phash import segments, to_signed, to_unsigned  # noqa: E402


def rss_mb() -> float:
    """Current resident set size (VmRSS) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_hash(corpus: Path, count: int) -> None:
    grids = []
    for path in sorted(corpus.rglob("*.jpg")):
        media = sniff(path)
        if media.kind != "image":
            continue
        try:
            grids.append(render(path, media.mime, with_viewer_image=False).grid_jpeg)
        except Exception:  # noqa: BLE001 - broken corpus files are not the point here
            continue
        if len(grids) >= count:
            break
    if not grids:
        raise SystemExit(f"no corpus JPEGs under {corpus} (use --corpus)")
    for g in grids[:3]:
        measure_jpeg(g)
    start = time.perf_counter()
    for g in grids:
        measure_jpeg(g)
    t_measure = (time.perf_counter() - start) * 1000 / len(grids)
    start = time.perf_counter()
    for g in grids:
        with Image.open(io.BytesIO(g)) as im:
            im.load()
    t_decode = (time.perf_counter() - start) * 1000 / len(grids)
    print(
        f"hash + quality features from the grid thumbnail: {t_measure:.2f} ms/photo "
        f"({len(grids)} corpus JPEGs, 400 px)"
    )
    print(f"  baseline: decoding the grid JPEG alone {t_decode:.2f} ms/photo")


def synthetic_library(root: Path, n: int, seed: int = 1) -> list[int]:
    """``n`` photos over ten years: 70% unique, 30% in near-duplicate groups and bursts."""
    rng = random.Random(seed)
    db = open_catalog(root / "catalog.db", None)
    start = dt.datetime(2015, 1, 1)
    photos, hashes = [], []
    pid = 0
    while pid < n:
        base = rng.getrandbits(64)
        taken = start + dt.timedelta(seconds=rng.randrange(10 * 365 * 86400))
        copies = 1 if rng.random() < 0.7 else rng.randint(2, 6)
        camera = ("Canon", f"EOS {rng.randrange(20)}")
        for c in range(copies):
            if pid >= n:
                break
            pid += 1
            value = base
            for bit in rng.sample(range(64), rng.randint(0, 6) if c else 0):
                value ^= 1 << bit
            when = taken + dt.timedelta(seconds=c)
            photos.append(
                {
                    "id": pid,
                    "status": "ok",
                    "kind": "image",
                    "taken_at": when,
                    "sort_time": when,
                    "camera_make": camera[0],
                    "camera_model": camera[1],
                    "quality": rng.random(),
                    "primary_sha256": f"{pid:064x}",
                }
            )
            s = segments(value)
            hashes.append(
                {
                    "photo": pid,
                    "value": to_signed(value),
                    "seg0": s[0],
                    "seg1": s[1],
                    "seg2": s[2],
                    "seg3": s[3],
                }
            )
    with db.atomic():
        for i in range(0, len(photos), 2000):
            Photo.insert_many(photos[i : i + 2000]).execute()
            PhotoHash.insert_many(hashes[i : i + 2000]).execute()
    return [to_unsigned(h["value"]) for h in hashes]


def bench_library(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        values = synthetic_library(root, n)
        print(f"synthetic catalog: {n} photos, built in {time.perf_counter() - t0:.1f} s")
        db = Photo._meta.database

        start = time.perf_counter()
        rows = list(
            Photo.select(
                Photo.id,
                Photo.camera_make,
                Photo.camera_model,
                Photo.taken_at,
                Photo.primary_sha256,
                Photo.stack_id,
                PhotoHash.value,
            )
            .join(PhotoHash)
            .tuples()
        )
        t_read = time.perf_counter() - start
        del rows
        before = rss_mb()
        start = time.perf_counter()
        touched = stacks.regroup_all()
        t_group = time.perf_counter() - start
        stacked = Photo.select().where(Photo.stack_id.is_null(False)).count()
        print(
            f"grouping {n} photos (regroup_all): {t_group:.1f} s, {touched} stacks, "
            f"{stacked} photos stacked; RSS {before:.0f} -> peak {peak_mb():.0f} MB"
        )
        print(f"  baseline: reading the rows grouping needs {t_read:.1f} s")

        rng = random.Random(5)
        queries = [
            values[rng.randrange(len(values))] ^ (1 << rng.randrange(64)) for _ in range(300)
        ]
        lookup = []
        for q in queries:
            start = time.perf_counter()
            stacks.similar_photos(q)
            lookup.append((time.perf_counter() - start) * 1000)
        arr = np.array(values, dtype=np.uint64)
        scan = []
        for q in queries[:100]:
            start = time.perf_counter()
            x = np.bitwise_xor(arr, np.uint64(q))
            bits = np.unpackbits(x.view(np.uint8)).reshape(-1, 64).sum(axis=1)
            np.nonzero(bits <= 8)
            scan.append((time.perf_counter() - start) * 1000)
        print(
            f"find a new photo's near-duplicates among {n} (catalog multi-index): "
            f"p50 {pct(lookup, 50):.2f} ms, p95 {pct(lookup, 95):.2f} ms"
        )
        print(
            f"  baseline: numpy full scan of every hash p50 {pct(scan, 50):.2f} ms, "
            f"p95 {pct(scan, 95):.2f} ms"
        )

        # new photos arriving one by one: insert + group (the per-batch path)
        per_photo = []
        base_id = n + 1
        for i, q in enumerate(queries[:200]):
            pid = base_id + i
            when = dt.datetime(2020, 6, 1) + dt.timedelta(hours=i)
            with db.atomic():
                Photo.insert(
                    id=pid,
                    status="ok",
                    taken_at=when,
                    sort_time=when,
                    camera_make="Canon",
                    camera_model="EOS 1",
                    quality=0.5,
                    primary_sha256=f"{pid:064x}",
                ).execute()
                s = segments(q)
                PhotoHash.insert(
                    photo=pid, value=to_signed(q), seg0=s[0], seg1=s[1], seg2=s[2], seg3=s[3]
                ).execute()
            start = time.perf_counter()
            stacks.group_photos([pid])
            per_photo.append((time.perf_counter() - start) * 1000)
        print(
            f"group one new photo into a {n}-photo library (lookup + stack update): "
            f"p50 {pct(per_photo, 50):.2f} ms, p95 {pct(per_photo, 95):.2f} ms"
        )

        days = [dt.date(2025, 1, 1) + dt.timedelta(days=d) for d in range(0, 365, 3)]
        timings = []
        for day in days:
            start = time.perf_counter()
            on_this_day(day)
            timings.append((time.perf_counter() - start) * 1000)
        plan = db.execute_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM photo WHERE substr(sort_time, 6, 5) = '07-14'"
        ).fetchall()
        db.execute_sql("DROP INDEX photo_month_day")
        plain = []
        for day in days:
            start = time.perf_counter()
            on_this_day(day)
            plain.append((time.perf_counter() - start) * 1000)
        print(
            f"memories (on this day) over {n} photos: p50 {pct(timings, 50):.1f} ms, "
            f"p95 {pct(timings, 95):.1f} ms ({len(days)} days; plan: {plan[0][-1]})"
        )
        print(
            f"  baseline: without the month-day index p50 {pct(plain, 50):.1f} ms, "
            f"p95 {pct(plain, 95):.1f} ms"
        )
        print(f"stacks in the catalog: {Stack.select().count()}; peak RSS {peak_mb():.0f} MB")


def default_corpus() -> Path:
    """$SHOEBOX_CORPUS, else shared/corpus beside the checkout (or beside its worktrees)."""
    if os.environ.get("SHOEBOX_CORPUS"):
        return Path(os.environ["SHOEBOX_CORPUS"])
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "corpus").is_dir():
            return base / "shared" / "corpus"
    return REPO.parent / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--hash-sample", type=int, default=40)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}")
    bench_hash(args.corpus, args.hash_sample)
    bench_library(args.photos)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
