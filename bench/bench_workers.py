"""Scale-out throughput: `shoebox worker` processes sharing one PostgreSQL catalogue.

Queues the same generated photos (noisy 12 MP-ish JPEGs, labels and faces off so the
decode, thumbnails, hashes and copy dominate) and times one worker, then two workers,
each run on a fresh database and library. The baseline is the one-worker run of this
same invocation. Each worker process runs one analysis process (workers = 1), so two
workers use two cores like one worker with workers = 2 would: the number says what the
shared queue costs or gains over running the pool in one process (also timed).

    .venv/bin/python bench/bench_workers.py [--photos 40] [--size 2000x1500]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from pg_server import PostgresServer  # noqa: E402

from appliance.catalog import queue as job_queue  # noqa: E402
from appliance.catalog.db import Catalog  # noqa: E402
from appliance.catalog.models import Photo  # noqa: E402


def make_photos(folder: Path, count: int, size: tuple[int, int]) -> list[Path]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    paths = []
    for i in range(count):
        image = Image.fromarray(np.roll(base, i, axis=1)).resize(size, Image.BILINEAR)
        path = folder / f"IMG_{i:04d}.jpg"
        image.save(path, quality=90)
        paths.append(path)
    return paths


def run(server: PostgresServer, photos: list[Path], root: Path, processes: int, pool: int) -> float:
    url = server.new_database("bench")
    catalog = Catalog.open(url)
    for path in photos:
        stat = path.stat()
        job_queue.enqueue(path, "import", "copy", None, stat.st_size, stat.st_mtime)
    env = {
        **os.environ,
        "SHOEBOX_CONFIG": "",
        "SHOEBOX_CATALOG_URL": url,
        "SHOEBOX_LABELS": "0",
        "SHOEBOX_FACES": "0",
        "SHOEBOX_WORKERS": str(pool),
    }
    command = [sys.executable, "-m", "appliance.cli", "--library", str(root), "worker"]
    command += ["--until-idle", "--batch", "4", "--poll", "0.2"]
    start = time.perf_counter()
    running = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) for _ in range(processes)
    ]
    for process in running:
        if process.wait() != 0:
            raise SystemExit("a worker failed")
    elapsed = time.perf_counter() - start
    added = Photo.select().count()
    catalog.close()
    if added != len(photos):
        raise SystemExit(f"{added} photos catalogued of {len(photos)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--size", default="2000x1500")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            photos = make_photos(Path(tmp) / "inbox", args.photos, size)  # type: ignore[arg-type]
            rows = [
                ("1 worker, 1 analysis process (baseline)", 1, 1),
                ("2 workers, 1 analysis process each", 2, 1),
                ("1 worker, 2 analysis processes", 1, 2),
            ]
            base = None
            print(
                f"{args.photos} photos of {args.size}, labels and faces off, {os.cpu_count()} cores"
            )
            for i, (name, processes, pool) in enumerate(rows):
                seconds = run(server, photos, Path(tmp) / f"lib{i}", processes, pool)
                base = base or seconds
                print(
                    f"{name:42s} {seconds:6.1f} s  {args.photos / seconds:5.2f} photos/s"
                    f"  x{base / seconds:4.2f}"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
