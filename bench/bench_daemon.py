"""Daemon benchmark: files/s from inbox drop to catalogued, and close-to-catalog latency.

Runs the real `shoebox run --no-web` process on a fresh library (labels and faces off
unless --analyse, so the daemon's own overhead is what is measured) and:

* burst    drops ``--count`` generated JPEGs (``--size``, distinct content) into the inbox at
           once; files/s = count / (last catalogued - first closed)
* latency  drops ``--singles`` files one at a time into the idle daemon; latency = the
           job's done time - the moment the writer closed the file

beside a BASELINE measured in the same run: `shoebox import --move` of the same burst (the
pipeline alone, no watcher, settle time or job queue), and the settle time, which is the
floor of the latency by design.

Usage: .venv/bin/python bench/bench_daemon.py [--count 100] [--singles 10] [--settle 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def make_jpegs(folder: Path, count: int, size: tuple[int, int], seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize(size, Image.BICUBIC), dtype=np.int16)
    paths = []
    for i in range(count):
        noise = rng.integers(-12, 13, smooth.shape, dtype=np.int16)
        pixels = np.clip(smooth + noise, 0, 255).astype(np.uint8)
        path = folder / f"IMG_{seed:02d}{i:04d}.jpg"
        Image.fromarray(pixels).save(path, quality=88)
        paths.append(path)
    return paths


def env(settle: float, analyse: bool) -> dict[str, str]:
    out = dict(os.environ, PYTHONPATH=str(REPO), SHOEBOX_SETTLE_SECONDS=str(settle))
    if not analyse:
        out.update(SHOEBOX_LABELS="0", SHOEBOX_FACES="0")
    out.pop("NOTIFY_SOCKET", None)
    return out


def done_times(library: Path) -> dict[str, float]:
    """path -> UTC epoch seconds at which its job was marked done."""
    try:
        with sqlite3.connect(f"file:{library / 'catalog.db'}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT path, updated_at FROM job WHERE state = 'done'")
            return {
                p: dt.datetime.fromisoformat(t).replace(tzinfo=dt.UTC).timestamp() for p, t in rows
            }
    except sqlite3.OperationalError:
        return {}


def drop(source: Path, inbox: Path) -> tuple[Path, float]:
    """Write a file into the inbox like an uploader; return its path and close time."""
    target = inbox / source.name
    with open(target, "wb") as out:
        out.write(source.read_bytes())
    return target, time.time()


def wait_done(library: Path, paths: list[Path], timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        times = done_times(library)
        if all(str(p) in times for p in paths):
            return times
        time.sleep(0.05)
    raise SystemExit(f"timed out: {len(paths) - len(done_times(library))} files not catalogued")


def measure_daemon(work: Path, burst: list[Path], singles: list[Path], args) -> dict:
    library, inbox = work / "daemon-lib", work / "inbox"
    inbox.mkdir()
    cmd = [sys.executable, "-m", "appliance.cli", "--library", str(library), "run", "--no-web"]
    daemon = subprocess.Popen(
        cmd + ["--inbox", str(inbox)], env=env(args.settle, args.analyse), stderr=subprocess.PIPE
    )
    try:
        while not (library / "daemon.json").exists():
            time.sleep(0.05)
        closed = dict(drop(src, inbox) for src in burst)
        times = wait_done(library, list(closed), 600)
        first_close = min(closed.values())
        last_done = max(times[str(p)] for p in closed)
        burst_rate = len(closed) / (last_done - first_close)
        latencies = []
        for src in singles:
            path, close = drop(src, inbox)
            latencies.append(wait_done(library, [path], 120)[str(path)] - close)
            time.sleep(0.3)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    return {"rate": burst_rate, "latencies": latencies}


def measure_baseline(work: Path, burst: list[Path], args) -> float:
    library, folder = work / "baseline-lib", work / "baseline-in"
    folder.mkdir()
    for src in burst:
        shutil.copy(src, folder / src.name)
    cmd = [sys.executable, "-m", "appliance.cli", "--library", str(library), "import", "--move"]
    started = time.time()
    subprocess.run(
        cmd + [str(folder)], env=env(args.settle, args.analyse), check=True, capture_output=True
    )
    return len(burst) / (time.time() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--singles", type=int, default=10)
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1200)
    parser.add_argument("--analyse", action="store_true", help="keep labels and faces on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        work = Path(tmp)
        size = (args.width, args.height)
        burst = make_jpegs(work / "src-burst", args.count, size, seed=1)
        singles = make_jpegs(work / "src-single", args.singles, size, seed=2)
        load = os.getloadavg()[0]
        baseline = measure_baseline(work, burst, args)
        daemon = measure_daemon(work, burst, singles, args)
    lat = sorted(daemon["latencies"])
    print(
        f"load average before: {load:.2f}; {args.count} JPEGs {size[0]}x{size[1]}, "
        f"settle {args.settle} s, analysis {'on' if args.analyse else 'off'}"
    )
    print("| measurement | daemon | baseline |")
    print("|---|---:|---:|")
    print(
        f"| burst files/s (drop -> catalogued) | {daemon['rate']:.1f} | {baseline:.1f} "
        "(`import --move`) |"
    )
    print(
        f"| latency close -> catalog, median s | {statistics.median(lat):.2f} | "
        f"{args.settle:.2f} (settle time) |"
    )
    print(f"| latency close -> catalog, max s | {lat[-1]:.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
