"""Issue 22: importing a multi-part Google Takeout (zips, a JSON beside every photo, every
photo also in an album folder, as Takeout does) beside importing the same photos from a
plain folder, in the same run: photos/s, peak RSS of the import, peak extra disk space
(the staging folder) during the Takeout import, and what each import wrote to the disk
(sectors written to the library's block device, synced; other writers on the disk count too).

    .venv/bin/python bench/bench_takeout.py [--photos 10000] [--parts 3] [--work DIR]

Photos: distinct JPEGs (640x480, noise, about 100 KB, no EXIF date: the JSON supplies it).
Labels and faces are off: this measures reading the archives and the pipeline, not the
models (bench_pipeline.py has those).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
ROOT = "Takeout/Google Photos"


def photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=60)
    return out.getvalue()


def build(work: Path, count: int, parts: int) -> tuple[list[Path], Path]:
    """The Takeout's parts, and a plain folder with the same photos."""
    plain = work / "plain"
    plain.mkdir(parents=True)
    zips = [
        zipfile.ZipFile(work / f"takeout-20261204T000000Z-{n + 1:03d}.zip", "w")
        for n in range(parts)
    ]
    for i in range(count):
        data = photo(i)
        name = f"IMG_{i:05d}.jpg"
        (plain / name).write_bytes(data)
        meta = {"photoTakenTime": {"timestamp": str(1262304000 + i * 3600)}}
        year = f"{ROOT}/Photos from {2010 + i * 8 // count}"
        part = zips[i % parts]
        part.writestr(f"{year}/{name}", data)
        # the JSON in another part, as a split export does
        zips[(i + 1) % parts].writestr(
            f"{year}/{name}.supplemental-metadata.json", json.dumps(meta)
        )
        part.writestr(f"{ROOT}/Album {i % 20}/{name}", data)
    for part in zips:
        part.close()
    return [Path(z.filename) for z in zips], plain


def folder_size(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def sectors_written(folder: Path) -> int | None:
    """Sectors written so far to the disk holding ``folder`` (after a sync), None when the
    kernel does not say (/sys/dev/block/MAJ:MIN/stat, field 7)."""
    os.sync()
    dev = os.stat(folder).st_dev
    try:
        fields = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}/stat").read_text().split()
        return int(fields[6])
    except (OSError, IndexError, ValueError):
        return None


def run_import(library: Path, sources: list[Path], watch: Path | None) -> dict[str, float]:
    env = {**os.environ, "SHOEBOX_LABELS": "0", "SHOEBOX_FACES": "0", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library), "import"]
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            if watch is not None and watch.exists():
                peak[0] = max(peak[0], folder_size(watch))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # a wrapper per run, so that the largest process of THIS import is what is reported
    wrapper = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print('RSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
        "sys.exit(r.returncode)"
    )
    written_before = sectors_written(library.parent)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command, *map(str, sources)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    written_after = sectors_written(library.parent)
    done.set()
    sampler.join()
    if result.returncode not in (0, 1):
        raise SystemExit(result.stdout[-2000:] + result.stderr[-2000:])
    rss = int(result.stderr.rsplit("RSS ", 1)[1].split()[0])
    return {
        "seconds": seconds,
        "rss_mib": rss / 1024,
        "staging_mib": peak[0] / 2**20,
        # what reached the disk, synced (the library's copies, catalogue, thumbnails, and
        # any staging that was written out), None when the kernel does not say
        "written_mib": None
        if written_before is None or written_after is None
        else (written_after - written_before) * 512 / 2**20,
        "last_line": result.stdout.strip().splitlines()[0] if result.stdout.strip() else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--parts", type=int, default=3)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-takeout-", dir="/var/tmp"))
    try:
        started = time.monotonic()
        parts, plain = build(work, args.photos, args.parts)
        size = sum(p.stat().st_size for p in parts) / 2**20
        print(f"built {args.parts} parts, {size:.0f} MB, in {time.monotonic() - started:.0f} s")
        baseline = run_import(work / "library-plain", [plain], None)
        takeout_library = work / "library-takeout"
        takeout = run_import(takeout_library, parts, takeout_library / "uploads" / ".export")
        for name, numbers in (("plain folder", baseline), ("Takeout zips", takeout)):
            print(
                f"{name:14} {args.photos / numbers['seconds']:6.1f} photos/s "
                f"({numbers['seconds']:.0f} s), peak RSS {numbers['rss_mib']:.0f} MiB"
                + (
                    f", peak staging {numbers['staging_mib']:.0f} MiB"
                    if name != "plain folder"
                    else ""
                )
                + (
                    f", written to disk {numbers['written_mib']:.0f} MiB"
                    if numbers["written_mib"] is not None
                    else ""
                )
            )
            print(f"  {numbers['last_line']}")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
