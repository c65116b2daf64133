"""Indexing benchmark: hash + metadata + all thumbnails for 12 MP JPEGs.

Generates ``--count`` 4000x3000 JPEGs from corpus photos (upscaled, cropped, flipped,
re-toned, with film grain so they compress like real photos; every third one carries an
EXIF orientation of 6 or 8), then measures per photo:

* hash      SHA-256 of the file (appliance.media.hashing)
* metadata  sniff + read_metadata
* render    the pipeline's renditions (appliance.media.render: one reduced decode)
* write     both thumbnails into a ThumbnailCache (atomic)

beside a NAIVE baseline in the same run: the same hash, metadata and writes, but a full
decode, EXIF transpose at full size, and a separate ``resize`` from the full image for
each thumbnail (viewer 1600, grid 400, model 224). Both run with 1 and 2 worker processes;
photos/s counts wall time over all photos once the workers are warm. Peak RSS is the sum
of every process's high-water mark (VmHWM: an upper bound of the true combined peak).

Usage: .venv/bin/python bench/bench_index.py [--count 60] [--workers 1 2] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from appliance.media.hashing import sha256_file  # noqa: E402
from appliance.media.metadata import read_metadata  # noqa: E402
from appliance.media.render import (  # noqa: E402
    GRID_LONG_SIDE,
    GRID_QUALITY,
    MODEL_SIDE,
    VIEWER_LONG_SIDE,
    VIEWER_QUALITY,
    Renditions,
    encode_jpeg,
    render,
)
from appliance.media.sniff import sniff  # noqa: E402
from appliance.media.thumbs import ThumbnailCache  # noqa: E402

SIZE = (4000, 3000)
STAGES = ("hash", "metadata", "render", "write")
TARGETS = {"photos_per_s_2w": 15.0, "speedup": 2.5, "peak_rss_mb": 250.0}

# ------------------------------------------------------------------ test images


def corpus_dir(explicit: str | None) -> Path:
    """The corpus: --corpus, $SHOEBOX_CORPUS, or ../shared/corpus beside the repository."""
    for candidate in (explicit, os.environ.get("SHOEBOX_CORPUS"), REPO.parent / "shared/corpus"):
        if candidate and (Path(candidate) / "exiftool.json").is_file():
            return Path(candidate)
    raise SystemExit("corpus not found: pass --corpus or set SHOEBOX_CORPUS")


def source_photos(corpus: Path) -> list[Path]:
    """Corpus JPEG photos large enough to be worth upscaling (>= 300 px short side)."""
    found = []
    for folder in ("misc", "faces", "exif"):
        for path in sorted((corpus / folder).rglob("*")):
            if path.suffix.lower() not in (".jpg", ".jpeg") or not path.is_file():
                continue
            try:
                with Image.open(path) as im:
                    if im.format == "JPEG" and min(im.size) >= 300 and im.mode == "RGB":
                        found.append(path)
            except OSError:
                continue
    return found


def make_photos(corpus: Path, out: Path, count: int) -> list[Path]:
    """Write ``count`` 4000x3000 JPEGs derived from corpus photos into ``out``."""
    sources = source_photos(corpus)
    rng = np.random.default_rng(2024)
    grain = rng.normal(0, 7, (768, 1024, 3)).astype(np.int16)
    paths = []
    for i in range(count):
        src = sources[i % len(sources)]
        with Image.open(src) as im:
            im.draft("RGB", (SIZE[0] // 4, SIZE[1] // 4))
            base = ImageOps.fit(im.convert("RGB"), SIZE, Image.Resampling.BILINEAR)
        if i % 2:
            base = ImageOps.mirror(base)
        pixels = np.asarray(base, dtype=np.int16)
        shift = np.roll(grain, (i * 37, i * 53), axis=(0, 1))
        pixels = pixels + np.tile(shift, (4, 4, 1))[: SIZE[1], : SIZE[0]] + (i % 7 - 3) * 4
        photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
        exif = Image.Exif()
        exif[0x010F] = "BenchCam"
        exif[0x0110] = "Model 12"
        exif[0x0132] = f"2024:05:{1 + i % 28:02d} 12:00:00"
        if i % 3 == 0:
            exif[0x0112] = 6 if i % 2 else 8
        path = out / f"bench_{i:03d}.jpg"
        photo.save(path, "JPEG", quality=90, exif=exif.tobytes())
        paths.append(path)
    return paths


# ------------------------------------------------------------------ workers


def naive_render(path: Path, mime: str, orientation: int | None) -> Renditions:
    """Baseline: full-size decode, then a separate resize from full size per thumbnail."""
    with Image.open(path) as im:
        full = ImageOps.exif_transpose(im.convert("RGB"))
    w, h = full.size

    def scaled(long_side: int) -> Image.Image:
        scale = min(1.0, long_side / max(w, h))
        return full.resize((max(1, round(w * scale)), max(1, round(h * scale))))

    side = min(w, h)
    box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
    model = full.resize((MODEL_SIDE, MODEL_SIDE), box=box)
    return Renditions(
        display_size=full.size,
        viewer_jpeg=encode_jpeg(scaled(VIEWER_LONG_SIDE), VIEWER_QUALITY),
        grid_jpeg=encode_jpeg(scaled(GRID_LONG_SIDE), GRID_QUALITY),
        model_input=np.asarray(model, dtype=np.uint8),
        viewer_image=None,
    )


def index_one(path: Path, cache_dir: Path, naive: bool) -> dict[str, float]:
    """Hash, metadata, renditions and thumbnail writes for one file: per-stage seconds,
    plus this worker's pid and peak RSS so far."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    sha = sha256_file(path)
    t1 = time.perf_counter()
    media = sniff(path)
    meta = read_metadata(path, media)
    t2 = time.perf_counter()
    if naive:
        result = naive_render(path, media.mime, meta.orientation)
    else:
        result = render(path, media.mime, meta.orientation, with_viewer_image=False)
    t3 = time.perf_counter()
    ThumbnailCache(cache_dir).write(sha, result)
    t4 = time.perf_counter()
    times.update(hash=t1 - t0, metadata=t2 - t1, render=t3 - t2, write=t4 - t3)
    times.update(pid=os.getpid(), peak_mb=vm_hwm_mb(os.getpid()))
    return times


def warm_up(_: int) -> int:
    """Occupy a worker (its modules are imported by now) so the next task starts another."""
    time.sleep(0.3)
    return os.getpid()


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of a process in MB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ------------------------------------------------------------------ measurement


def run(photos: list[Path], workers: int, naive: bool, work_dir: Path) -> dict:
    """Index ``photos`` with ``workers`` fresh processes; returns rate, stages and peak RSS."""
    cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=work_dir))
    context = multiprocessing.get_context("spawn")  # fresh processes: honest RSS numbers
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pids: set[int] = set()
        while len(pids) < workers:  # every worker started and warm before the clock starts
            pids |= set(pool.map(warm_up, range(workers)))
        start = time.perf_counter()
        futures = [pool.submit(index_one, p, cache_dir, naive) for p in photos]
        timings = [f.result() for f in futures]
        elapsed = time.perf_counter() - start
    per_worker: dict[int, float] = {}
    for t in timings:
        per_worker[t["pid"]] = max(per_worker.get(t["pid"], 0.0), t["peak_mb"])
    peak = sum(per_worker.values()) + vm_hwm_mb(os.getpid())
    stages = {s: 1000 * statistics.mean(t[s] for t in timings) for s in STAGES}
    return {
        "rate": len(photos) / elapsed,
        "stages": stages,
        "peak_mb": peak,
        "workers_used": len(per_worker),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="number of 12 MP photos (>= 50)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--corpus", help="photo corpus (default: ../shared/corpus)")
    args = parser.parse_args(argv)
    corpus = corpus_dir(args.corpus)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        work = Path(tmp)
        (work / "photos").mkdir()
        t = time.perf_counter()
        # generate in a child process so its big arrays do not count in our peak RSS
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as gen:
            photos = gen.submit(make_photos, corpus, work / "photos", args.count).result()
        total_mb = sum(p.stat().st_size for p in photos) / 1e6
        print(
            f"generated {len(photos)} JPEGs {SIZE[0]}x{SIZE[1]} ({total_mb / len(photos):.1f} MB "
            f"each) in {time.perf_counter() - t:.1f} s; load average before: "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs"
        )
        results = {}
        for workers in args.workers:
            for naive in (True, False):
                results[(workers, naive)] = run(photos, workers, naive, work)
        print_table(results, args.workers)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def print_table(results: dict, worker_counts: list[int]) -> None:
    header = "| variant | workers | photos/s | " + " | ".join(f"{s} ms" for s in STAGES)
    print(header + " | peak RSS MB (sum of all processes) | speed-up |")
    print("|" + "---|" * (len(STAGES) + 5))
    for workers in worker_counts:
        base = results[(workers, True)]
        for naive in (True, False):
            r = results[(workers, naive)]
            name = "naive baseline" if naive else "shoebox (reduced decode)"
            stages = " | ".join(f"{r['stages'][s]:.1f}" for s in STAGES)
            speedup = r["rate"] / base["rate"]
            if r["workers_used"] != workers:
                name += f" (only {r['workers_used']} worker(s) got photos)"
            print(
                f"| {name} | {workers} | {r['rate']:.1f} | {stages} | {r['peak_mb']:.0f} "
                f"| {speedup:.2f}x |"
            )
    best = max(worker_counts)
    ours, base = results[(best, False)], results[(best, True)]
    print(
        f"\ntargets with {best} workers: photos/s {ours['rate']:.1f} "
        f"(target >= {TARGETS['photos_per_s_2w']}), speed-up {ours['rate'] / base['rate']:.2f}x "
        f"(target >= {TARGETS['speedup']}x), peak RSS {ours['peak_mb']:.0f} MB "
        f"(target < {TARGETS['peak_rss_mb']:.0f} MB)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
