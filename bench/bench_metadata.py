"""Metadata extraction speed: Shoebox's native reader vs Pillow's getexif (same run).

Usage: .venv/bin/python bench/bench_metadata.py [CORPUS_DIR] [--rounds N]
Prints ms/file for every corpus file Pillow can open (the common subset) and for all files.
ExifTool (-stay_open batch mode) is measured too when the `exiftool` command exists.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from appliance.media.metadata import MetadataError, read_metadata  # noqa: E402

try:
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover
    pass


def native(path: Path) -> None:
    with contextlib.suppress(MetadataError):
        read_metadata(path)


def pillow(path: Path) -> None:
    """Baseline: what a straightforward Pillow-based reader does (open, EXIF, Exif IFD, GPS)."""
    try:
        with Image.open(path) as im:
            exif = im.getexif()
            exif.get_ifd(0x8769)
            exif.get_ifd(0x8825)
            _ = im.size
    except Exception:  # noqa: BLE001 - the baseline only has to survive bad files
        pass


def timed(fn, files: list[Path], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for path in files:
            fn(path)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / len(files)


def exiftool_ms(files: list[Path]) -> float | None:
    exe = shutil.which("exiftool")
    if exe is None:
        return None
    proc = subprocess.Popen(
        [exe, "-stay_open", "True", "-@", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    start = time.perf_counter()
    for path in files:
        proc.stdin.write(f"-json\n-n\n{path}\n-execute\n")
        proc.stdin.flush()
        while not proc.stdout.readline().startswith("{ready}"):
            pass
    elapsed = time.perf_counter() - start
    proc.stdin.write("-stay_open\nFalse\n")
    proc.stdin.flush()
    proc.wait(timeout=10)
    return 1000 * elapsed / len(files)


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    every = sorted(
        p for p in corpus.rglob("*") if p.is_file() and p.suffix not in (".json", ".md", ".py")
    )
    common = []
    warnings.simplefilter("ignore")
    Image.MAX_IMAGE_PIXELS = None
    for path in every:
        try:
            with Image.open(path):
                common.append(path)
        except Exception:  # noqa: BLE001
            continue
    print(f"{len(every)} files, {len(common)} that Pillow opens; best of {args.rounds} rounds")
    print(f"{'reader':<28}{'files':>7}{'ms/file':>10}")
    base = timed(pillow, common, args.rounds)
    mine = timed(native, common, args.rounds)
    print(f"{'Pillow getexif (baseline)':<28}{len(common):>7}{base:>10.3f}")
    print(f"{'Shoebox read_metadata':<28}{len(common):>7}{mine:>10.3f}   x{base / mine:.1f}")
    print(f"{'Shoebox read_metadata':<28}{len(every):>7}{timed(native, every, args.rounds):>10.3f}")
    ext = exiftool_ms(common)
    if ext is None:
        print(f"{'ExifTool -stay_open':<28}{'':>7}{'n/a':>10}   (exiftool not installed)")
    else:
        print(f"{'ExifTool -stay_open':<28}{len(common):>7}{ext:>10.3f}")


if __name__ == "__main__":
    main()
