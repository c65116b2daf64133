"""Full-pipeline benchmark: photos/s of `index` with the vision stages off, labels on, and
labels + faces on, in the same run on the same photos (the "off" run is the baseline).

The photos are the corpus's decodable pictures under exif/, faces/ and misc/ (real sizes,
from 100 px camera samples to 12 MP); every configuration gets a fresh library and the
real `Ingestor` with its worker processes, so the numbers include worker start-up, hashing,
metadata, one decode, thumbnails, the catalog commit and clustering.

Usage: .venv/bin/python bench/bench_pipeline.py [--workers 1 2] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from appliance.config import Settings  # noqa: E402
from appliance.ingest.discover import iter_media_files  # noqa: E402
from appliance.ingest.runner import Ingestor  # noqa: E402
from appliance.media.sniff import sniff  # noqa: E402
from appliance.records import FileTask  # noqa: E402

CONFIGS = {
    "vision off (baseline)": (False, False),
    "labels": (True, False),
    "labels + faces": (True, True),
}


def photo_set(corpus: Path, scratch: Path) -> list[Path]:
    """Copy the decodable pictures of a few corpus folders into one scratch folder."""
    target = scratch / "photos"
    target.mkdir()
    for folder in ("exif", "faces", "misc"):
        for path in iter_media_files(corpus / folder):
            if sniff(path).kind == "image":
                shutil.copy(path, target / f"{len(list(target.iterdir())):04d}-{path.name}")
    return sorted(target.iterdir())


def run(
    photos: list[Path], library: Path, workers: int, labels: bool, faces: bool, threads: int = 0
) -> dict:
    settings = Settings(
        library=library, workers=workers, labels=labels, faces=faces, threads=threads
    )
    tasks = [FileTask(p, "index", "index") for p in photos]
    started = time.perf_counter()
    with Ingestor(settings) as ingestor:
        ready = time.perf_counter()
        outcomes = ingestor.process(tasks)
    done = time.perf_counter()
    added = sum(o.status == "added" for o in outcomes)
    return {
        "photos": len(tasks),
        "added": added,
        "seconds": done - started,
        "per_s": len(tasks) / (done - started),
        "startup": ready - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--threads", type=int, default=0, help="interpreter threads (0: auto)")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        photos = photo_set(args.corpus, scratch)
        print(f"{len(photos)} photos\n")
        print(
            f"{'configuration':<24}{'workers':>8}{'photos/s':>10}{'seconds':>9}{'vs baseline':>13}"
        )
        for workers in args.workers:
            baseline = None
            for name, (labels, faces) in CONFIGS.items():
                library = scratch / f"lib-{workers}-{labels}-{faces}"
                result = run(photos, library, workers, labels, faces, args.threads)
                baseline = baseline or result["per_s"]
                print(
                    f"{name:<24}{workers:>8}{result['per_s']:>10.1f}{result['seconds']:>9.1f}"
                    f"{result['per_s'] / baseline:>12.2f}x"
                )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
