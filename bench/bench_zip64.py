"""Issue 22: a Takeout whose video is bigger than 4 GiB (the real ZIP64 layout: 64-bit
sizes in the local header's extra field and the ZIP64 end records), imported beside the
same file from a plain folder in the same run: seconds, MB/s, peak RSS of the import, peak
extra disk space (the staging folder), and whether the video arrived whole (SHA-256).

    .venv/bin/python bench/bench_zip64.py [--gib 5] [--work DIR]

The video is the corpus's Android clip with a 64-bit ``free`` box appended (MP4 allows
top-level free space; ffprobe and ExifTool read it as the same clip), stored uncompressed
as Takeout stores videos. Needs about 5 x the size in free disk space.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_takeout import ROOT, run_import  # noqa: E402

from appliance.media.hashing import sha256_file  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "corpus" / "video" / "VID_20211224_200500.mp4"
CHUNK = 16 * 2**20


def big_video(out: Path, size: int) -> str:
    """The clip padded with one 64-bit ``free`` box to ``size`` bytes; its SHA-256."""
    clip = CLIP.read_bytes()
    pad = size - len(clip)
    digest = hashlib.sha256(clip)
    header = struct.pack(">I4sQ", 1, b"free", pad)  # size 1: the 64-bit size follows
    zeros = bytes(CHUNK)
    with open(out, "wb") as f:
        f.write(clip)
        f.write(header)
        digest.update(header)
        left = pad - len(header)
        while left:
            piece = zeros[: min(CHUNK, left)]
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def takeout(work: Path, video: Path) -> Path:
    part = work / "takeout-20261204T000000Z-001.zip"
    folder = f"{ROOT}/Photos from 2021"
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED) as zf:
        member = zf.open(f"{folder}/{video.name}", "w", force_zip64=True)
        with open(video, "rb") as src, member as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        meta = {"photoTakenTime": {"timestamp": "1640372700"}, "description": "big"}
        zf.writestr(f"{folder}/{video.name}.supplemental-metadata.json", json.dumps(meta))
    return part


def has_zip64(extra: bytes) -> bool:
    """Whether a member's extra field holds the ZIP64 record (header id 0x0001)."""
    i = 0
    while i + 4 <= len(extra):
        kind, length = struct.unpack("<HH", extra[i : i + 4])
        if kind == 1:
            return True
        i += 4 + length
    return False


def stored(library: Path) -> Path | None:
    found = [p for p in (library / "originals").rglob("*.mp4") if ".incoming" not in p.parts]
    return found[0] if len(found) == 1 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=5.0)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-zip64-", dir="/var/tmp"))
    size = int(args.gib * 2**30)
    try:
        plain = work / "plain"
        plain.mkdir(parents=True)
        started = time.monotonic()
        video = plain / "VID_20211224_200500.mp4"
        want = big_video(video, size)
        part = takeout(work, video)
        with zipfile.ZipFile(part) as zf:
            zip64 = has_zip64(zf.infolist()[0].extra)
        print(
            f"built a {size / 2**30:.1f} GiB video and its Takeout"
            f" ({part.stat().st_size / 2**30:.2f} GiB, ZIP64 extra field: {zip64})"
            f" in {time.monotonic() - started:.0f} s"
        )
        runs = (
            ("plain folder", work / "library-plain", [plain]),
            ("Takeout zip", work / "library-takeout", [part]),
        )
        for name, library, sources in runs:
            watch = library / "uploads" / ".export" if name != "plain folder" else None
            numbers = run_import(library, sources, watch)
            kept = stored(library)
            whole = kept is not None and sha256_file(kept) == want
            rate = size / 2**20 / numbers["seconds"]
            print(
                f"{name:13} {numbers['seconds']:6.0f} s, {rate:6.1f} MB/s,"
                f" peak RSS {numbers['rss_mib']:.0f} MiB"
                + (f", peak staging {numbers['staging_mib']:.0f} MiB" if watch else "")
                + f", stored whole: {whole}"
            )
            print(f"  {numbers['last_line']}")
            shutil.rmtree(library, ignore_errors=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
