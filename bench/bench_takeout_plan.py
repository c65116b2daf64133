"""Issue 22: the memory of planning a big Google Takeout (every member listed, every JSON
read and matched) and what the plan holds while the photos are imported.

    .venv/bin/python bench/bench_takeout_plan.py [--photos 100000] [--parts 10] [--work DIR]

The Takeout is generated with tiny members (planning reads no photo): each photo in a
"Photos from YYYY" folder, its `.supplemental-metadata.json` in the next part, a copy in
one of 50 album folders in the part after (as a split export does). Planning runs in a
fresh process; printed: its RSS before (the baseline: Python and the imports), after
(what the plan holds during the import) and at its peak, per photo.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build(work: Path, photos: int, parts: int) -> list[Path]:
    paths = [work / f"takeout-20240101T000000Z-{k + 1:03d}.zip" for k in range(parts)]
    archives = [zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) for path in paths]
    for i in range(photos):
        name = f"Takeout/Google Photos/Photos from {2000 + i % 20}/IMG_{i:07d}.jpg"
        facts = {
            "title": f"IMG_{i:07d}.jpg",
            "photoTakenTime": {"timestamp": str(1_500_000_000 + i)},
            "geoData": {"latitude": 45.0, "longitude": 4.0},
            "favorited": i % 10 == 0,
        }
        archives[i % parts].writestr(name, b"x%d" % i)
        archives[(i + 1) % parts].writestr(name + ".supplemental-metadata.json", json.dumps(facts))
        archives[(i + 2) % parts].writestr(
            f"Takeout/Google Photos/Album {i % 50}/IMG_{i:07d}.jpg", b"x%d" % i
        )
    for k in range(50):
        archives[0].writestr(
            f"Takeout/Google Photos/Album {k}/metadata.json", json.dumps({"title": f"Album {k}"})
        )
    for archive in archives:
        archive.close()
    return paths


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def high_water() -> int:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that over an
    exec, so a child started by a parent that had just built the archives reported the
    parent's peak (some 400 MiB at 250,000 photos, whatever the planner did)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def plan_here(paths: list[Path]) -> None:
    """Run in the child: plan, print one JSON line of numbers."""
    sys.path.insert(0, str(REPO))
    from appliance.migrate import export_import

    before = rss()
    start = time.perf_counter()
    found = export_import.plan(paths)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "items": len(found.items),
                "seconds": seconds,
                "before": before,
                "after": rss(),
                "peak": high_water(),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--child", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        plan_here(args.child)
        return 0
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        paths = build(Path(tmp), args.photos, args.parts)
        out = subprocess.run(
            [sys.executable, __file__, "--child", *map(str, paths)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    got = json.loads(out.strip().splitlines()[-1])
    mib = 2**20
    per = args.photos
    print(f"{args.photos} photos ({got['items']} items), {args.parts} parts: planned in "
          f"{got['seconds']:.1f} s")  # fmt: skip
    print(f"  RSS before planning (baseline) {got['before'] / mib:7.0f} MiB")
    print(f"  RSS after (held while importing) {got['after'] / mib:5.0f} MiB   "
          f"{(got['after'] - got['before']) / per:6.0f} B/photo")  # fmt: skip
    print(f"  RSS peak while planning {got['peak'] / mib:14.0f} MiB   "
          f"{(got['peak'] - got['before']) / per:6.0f} B/photo")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
