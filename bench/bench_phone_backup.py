"""Issue 21: a phone's first backup through rclone (WebDAV) to the real service over
loopback, beside a plain file copy of the same files to the same disk (the baseline, same
run); the service's peak memory; the second, empty sync.

    .venv/bin/python bench/bench_phone_backup.py [--photos 500] [--work DIR]

The photos are real JPEGs (1600x1200, noisy, about 1 MB each, distinct); the five videos
are the corpus's. Labels and faces are off: this measures the transfer and the import
pipeline, not the models (their cost is in bench_pipeline.py).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import corpus_dir  # noqa: E402
from phone_box import Box  # noqa: E402

VIDEOS = (
    "VID_20211224_200500.mp4",
    "bigbuckbunny.mp4",
    "carphone_pristine.mp4",
    "IMG_4102.MOV",
    "bunny_vp9.webm",
)


def make_phone(folder: Path, photos: int) -> int:
    camera = folder / "DCIM" / "Camera"
    camera.mkdir(parents=True)
    rng = np.random.default_rng(21)
    base = rng.integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    for i in range(photos):
        noise = rng.integers(0, 40, (1200, 1600, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(base + noise).save(out, format="JPEG", quality=85)
        (camera / f"IMG_{i:05d}.jpg").write_bytes(out.getvalue())
    for name in VIDEOS:
        shutil.copy2(corpus_dir() / "video" / name, camera / name)
    return sum(p.stat().st_size for p in camera.iterdir())


def rss_of_tree(pid: int) -> int:
    """RSS of a process and its children, bytes."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, AttributeError):
            continue
        todo += [int(c) for c in children]
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    rclone = shutil.which("rclone")
    if not rclone:
        print("rclone is missing: scripts/bootstrap.sh test installs it", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="shoebox-phone-bench-", dir=args.work) as tmp:
        root = Path(tmp)
        total = make_phone(root / "phone", args.photos)
        files = len(list((root / "phone").rglob("*.*")))
        started = time.perf_counter()
        shutil.copytree(root / "phone", root / "plain-copy")
        os.sync()
        copy_seconds = time.perf_counter() - started
        shutil.rmtree(root / "plain-copy")

        box = Box(root / "box", "")
        password = box.add_phone("alice", "bench phone")
        peaks = {"service": 0, "tree": 0}
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                pid = box.service.process.pid
                status = Path(f"/proc/{pid}/status").read_text()
                own = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
                peaks["service"] = max(peaks["service"], own)
                peaks["tree"] = max(peaks["tree"], rss_of_tree(pid))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            started = time.perf_counter()
            first = box.rclone(
                rclone, password, "copy", str(root / "phone"), "phone:", "--transfers", "4"
            )
            upload_seconds = time.perf_counter() - started
            box.settled()
            imported_seconds = time.perf_counter() - started
            started = time.perf_counter()
            second = box.rclone(rclone, password, "copy", str(root / "phone"), "phone:")
            empty_seconds = time.perf_counter() - started
        finally:
            stop.set()
            box.service.process.kill()
        catalogued = len(box.catalogued())
    mb = total / 1e6
    print(f"{files} files ({args.photos} photos, {len(VIDEOS)} videos), {mb:.0f} MB")
    print("| step | seconds | MB/s |")
    print("|---|---|---|")
    print(
        f"| plain file copy, same disk (baseline) | {copy_seconds:.1f} | {mb / copy_seconds:.0f} |"
    )
    print(f"| rclone WebDAV upload, loopback | {upload_seconds:.1f} | {mb / upload_seconds:.0f} |")
    print(
        f"| ... until every file is imported | {imported_seconds:.1f} | "
        f"{mb / imported_seconds:.1f} |"
    )
    print(f"| second sync (nothing to send) | {empty_seconds:.1f} | - |")
    print(
        f"files sent by rclone: first {first.count('Copied (new)')}, "
        f"second {second.count('Copied (new)')}; catalogued {catalogued}"
    )
    print(
        f"service peak RSS {peaks['service'] / 2**20:.0f} MiB "
        f"(with its import workers {peaks['tree'] / 2**20:.0f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
