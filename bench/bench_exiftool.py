"""Metadata reading cost: ExifTool (-stay_open, one process per worker) vs the old parsers.

Usage: .venv/bin/python bench/bench_exiftool.py [CORPUS_DIR] [--rounds N] [--old REV]

Prints ms/file over every corpus photo for Shoebox's ``read_metadata`` (whatever engine it
uses in this checkout), for a bare ExifTool -stay_open round trip, and for Pillow's getexif
as a fixed baseline, all in the same run. ``--old REV`` (default cf3f10b, the last commit
with the hand-written parsers) extracts that revision's ``appliance`` package with
``git archive`` and times its ``read_metadata`` the same way in a child process. It also
times a 12 MP JPEG: metadata next to sniff + SHA-256 + one reduced decode (the rest of an
import's per-file work before the vision stages).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
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


def shoebox(path: Path) -> None:
    with contextlib.suppress(MetadataError):
        read_metadata(path)


def pillow(path: Path) -> None:
    """Fixed baseline: open, EXIF, Exif IFD, GPS IFD, size."""
    try:
        with Image.open(path) as im:
            exif = im.getexif()
            exif.get_ifd(0x8769)
            exif.get_ifd(0x8825)
            _ = im.size
    except Exception:  # noqa: BLE001 - the baseline only has to survive bad files
        pass


def exiftool_ms(files: list[Path], args: list[str], rounds: int) -> float:
    """A bare -stay_open round trip per file (no mapping), as a reference for the engine."""
    proc = subprocess.Popen(
        ["exiftool", "-stay_open", "True", "-@", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for path in files:
            proc.stdin.write("\n".join([*args, str(path), "-execute"]) + "\n")
            proc.stdin.flush()
            while not proc.stdout.readline().startswith("{ready}"):
                pass
        best = min(best, time.perf_counter() - start)
    proc.stdin.write("-stay_open\nFalse\n")
    proc.stdin.flush()
    proc.wait(timeout=10)
    return 1000 * best / len(files)


def timed(fn, files: list[Path], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for path in files:
            fn(path)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / len(files)


def twelve_mp_jpeg(source: Path, tmp: Path) -> Path:
    """A 4000x3000 JPEG (12 MP) upscaled from a corpus phone photo, its EXIF kept."""
    out = tmp / "twelve_mp.jpg"
    with Image.open(source) as im:
        exif = im.info.get("exif", b"")
        im.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC).save(
            out, quality=92, exif=exif
        )
    return out


def render_ms(path: Path, rounds: int) -> float:
    """Sniff + SHA-256 + one reduced decode into the three renditions: an import's other
    per-file work before the vision stages."""
    from appliance.media.hashing import sha256_file
    from appliance.media.render import render
    from appliance.media.sniff import sniff

    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        mime = sniff(path).mime
        sha256_file(path)
        render(path, mime, 1)
        samples.append(time.perf_counter() - start)
    return 1000 * statistics.median(samples)


OLD_PARSERS = "cf3f10b"  # last commit with the hand-written EXIF/XMP/IPTC/BMFF parsers

_CHILD = """
import sys, time, contextlib
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from appliance.media.metadata import MetadataError, read_metadata
files = [Path(line) for line in sys.stdin.read().splitlines()]
rounds = int(sys.argv[2])
def run(paths):
    for path in paths:
        with contextlib.suppress(MetadataError):
            read_metadata(path)
best = float("inf")
for _ in range(rounds):
    start = time.perf_counter(); run(files); best = min(best, time.perf_counter() - start)
big = [Path(sys.argv[3])]
one = float("inf")
for _ in range(rounds * 3):
    start = time.perf_counter(); run(big); one = min(one, time.perf_counter() - start)
print(1000 * best / len(files), 1000 * one)
"""


def old_parsers_ms(rev: str, files: list[Path], big: Path, rounds: int) -> tuple[float, float]:
    """(ms/file over ``files``, ms for ``big``) of ``read_metadata`` at git revision ``rev``."""
    import tempfile

    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", rev, "appliance"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, tmp, str(rounds), str(big)],
            input="\n".join(map(str, files)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    return float(out[0]), float(out[1])


def exiftool_peak_mb() -> float | None:
    """High-water RSS of this process's stay-open ExifTool, when the engine uses one."""
    try:
        from appliance.media import exiftool
    except ImportError:
        return None
    proc = exiftool.shared()._proc
    if proc is None:
        return None
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", default=OLD_PARSERS, help="git revision of the old parsers")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    files = sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.suffix not in (".json", ".md", ".py") and "video" not in p.parts
    )
    warnings.simplefilter("ignore")
    Image.MAX_IMAGE_PIXELS = None
    print(f"{len(files)} corpus photos; best of {args.rounds} rounds")
    print(f"{'reader':<34}{'ms/file':>10}")
    shoebox(files[0])  # start a stay-open engine if this checkout uses one
    base = timed(pillow, files, args.rounds)
    mine = timed(shoebox, files, args.rounds)
    print(f"{'Pillow getexif (baseline)':<34}{base:>10.3f}")
    print(f"{'Shoebox read_metadata':<34}{mine:>10.3f}   ({mine / base:.1f}x baseline)")
    every_tag = ["-j", "-n", "-G", "-struct"]
    bare = exiftool_ms(files, every_tag, args.rounds)
    print(f"{'ExifTool -stay_open, all tags':<34}{bare:>10.3f}   (bare round trip)")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        big = twelve_mp_jpeg(corpus / "exif/photoprism/IMG_4120.JPG", Path(tmp))
        meta = timed(shoebox, [big], args.rounds * 3)
        rend = render_ms(big, args.rounds)
        old, old_big = old_parsers_ms(args.old, files, big, args.rounds) if args.old else (0, 0)
    if args.old:
        print(f"{'old parsers (' + args.old + ')':<34}{old:>10.3f}   ({old / base:.2f}x baseline)")
    print(f"{'12 MP JPEG: read_metadata':<34}{meta:>10.3f}")
    if args.old:
        print(f"{'12 MP JPEG: old parsers':<34}{old_big:>10.3f}")
    peak = exiftool_peak_mb()
    if peak is not None:
        print(f"{'ExifTool process peak RSS (MB)':<34}{peak:>10.1f}")
    print(
        f"{'12 MP JPEG: sniff+hash+render':<34}{rend:>10.3f}   ExifTool adds "
        f"{meta - old_big:.1f} ms = {100 * (meta - old_big) / (rend + old_big):.1f}% to this work"
    )


if __name__ == "__main__":
    main()
