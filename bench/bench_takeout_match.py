"""Issue 22: matching a Takeout's photos with their JSON files when a year folder holds
many Live Photos (a still and its movie; the movie has no JSON of its own and shares its
still's), beside the same number of photos that each have their own JSON.

    .venv/bin/python bench/bench_takeout_match.py [--pairs 20000]

Names only (no files): this times `takeout_match.Matcher`, which planning runs once per
media member.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.migrate.takeout_match import Matcher  # noqa: E402

FOLDER = "Takeout/Google Photos/Photos from 2021"


def timed(jsons: list[str], media: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    matcher = Matcher(jsons, media)
    matched = sum(matcher.json_for(name) is not None for name in media)
    return time.perf_counter() - start, matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=20000)
    n = parser.parse_args().pairs
    stills = [f"{FOLDER}/IMG_{i:06d}.HEIC" for i in range(n)]
    jsons = [f"{name}.supplemental-metadata.json" for name in stills]
    movies = [f"{FOLDER}/IMG_{i:06d}.MOV" for i in range(n)]
    photos = [f"{FOLDER}/IMG_{i:06d}.JPG" for i in range(2 * n)]
    photo_jsons = [f"{name}.supplemental-metadata.json" for name in photos]
    base, base_matched = timed(photo_jsons, photos)
    live, live_matched = timed(jsons, stills + movies)
    print(f"{2 * n} photos with their own JSON, one folder: {base:.2f} s ({base_matched} matched)")
    print(f"{n} Live Photos (still + movie), one folder: {live:.2f} s ({live_matched} matched)")


if __name__ == "__main__":
    main()
