"""Where `render` spends its time, and what large files cost (BENCHMARKS.md, Indexing).

1. Breakdown for 12 MP JPEGs (bench_index.py's generated 4000x3000 photos): the steps of
   ``appliance.media.render.render`` timed one by one (reduced decode, resize to the viewer
   size with orientation and ICC, viewer encode, grid resize, grid encode, model crop) and
   the whole call, beside baselines from the same run: the full 12 MP decode the naive
   path makes (alone, and followed by the same renditions), and a 1/4 DCT decode (faster,
   but below the viewer size).
2. Large files from the corpus: ``render`` (one decode at the smallest sufficient size, or
   a HEIF's embedded thumbnail) beside the baseline of a full decode followed by the same
   renditions; each measured in a fresh process, so the peak RSS (VmHWM) is that file's
   alone; the RSS of an idle worker (imports only) is printed as the floor.

Usage: .venv/bin/python bench/bench_render.py [--photos 5] [--runs 5] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_index import corpus_dir, make_photos, vm_hwm_mb  # noqa: E402

from appliance.media.decode import decode  # noqa: E402
from appliance.media.render import (  # noqa: E402
    GRID_LONG_SIDE,
    GRID_QUALITY,
    MODEL_SIDE,
    VIEWER_LONG_SIDE,
    VIEWER_QUALITY,
    centre_square,
    encode_jpeg,
    fit,
    render,
    renditions_from_viewer,
)
from appliance.media.sniff import sniff  # noqa: E402

LARGE_FILES = (
    "heif/pillow_heif/200MP.heic",
    "heif/exif-samples/mobile/HMD_Nokia_8.3_5G.heif",
    "misc/immich/albums/text/craft-beer.jpg",
)


def ms(call: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = call()
    return (time.perf_counter() - t0) * 1000, result


def breakdown(path: Path) -> dict[str, float]:
    """One 12 MP JPEG through render's steps, each timed; plus the baselines."""
    steps: dict[str, float] = {}
    steps["decode (reduced)"], decoded = ms(lambda: decode(path, "image/jpeg", VIEWER_LONG_SIDE))
    steps["resize to viewer + orient + sRGB"], viewer = ms(
        lambda: decoded.finish(fit(decoded.image, VIEWER_LONG_SIDE))
    )
    steps["viewer JPEG encode"], _ = ms(lambda: encode_jpeg(viewer, VIEWER_QUALITY))
    steps["grid resize"], grid = ms(lambda: fit(viewer, GRID_LONG_SIDE))
    steps["grid JPEG encode"], _ = ms(lambda: encode_jpeg(grid, GRID_QUALITY))
    steps["model crop"], _ = ms(lambda: centre_square(grid, MODEL_SIDE))
    steps["render(), whole call"], _ = ms(lambda: render(path, "image/jpeg", None))

    def full_decode() -> Image.Image:
        with Image.open(path) as im:
            return im.convert("RGB")

    def quarter_decode() -> Image.Image:
        with Image.open(path) as im:
            im.draft("RGB", (im.size[0] // 4, im.size[1] // 4))
            return im.convert("RGB")

    steps["baseline: full 12 MP decode"], _ = ms(full_decode)
    steps["baseline: full decode + same renditions"], _ = ms(
        lambda: full_decode_render(path, "image/jpeg")
    )
    steps["baseline: 1/4 DCT decode"], quarter = ms(quarter_decode)
    assert decoded.image.size == (2000, 1500) and quarter.size == (1000, 750)
    return steps


def full_decode_render(path: Path, mime: str) -> tuple[int, int]:
    """Baseline: decode every pixel (no draft, no embedded thumbnail), then the same
    renditions from it. Returns the decoded size."""
    if mime in ("image/heic", "image/heif"):
        import pillow_heif

        full = pillow_heif.open_heif(path, convert_hdr_to_8bit=True).to_pillow().convert("RGB")
    else:
        with Image.open(path) as im:
            full = im.convert("RGB")
    renditions_from_viewer(fit(full, VIEWER_LONG_SIDE), full.size, with_viewer_image=False)
    return full.size


def measure_file(path: str, full: bool) -> dict[str, object]:
    """In a fresh worker: time one render (the first file the worker meets) and read its
    peak RSS before (the floor: imports only) and after."""
    import os

    mime = sniff(Path(path)).mime
    floor = vm_hwm_mb(os.getpid())
    if full:
        seconds, size = ms(lambda: full_decode_render(Path(path), mime))
    else:
        decoded_size = decode(Path(path), mime, VIEWER_LONG_SIDE).image.size
        seconds, _ = ms(lambda: render(Path(path), mime, None, with_viewer_image=False))
        size = decoded_size
    return {"ms": seconds, "size": size, "rss": vm_hwm_mb(os.getpid()), "floor": floor}


def in_fresh_process(path: Path, full: bool) -> dict[str, object]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measure_file, (str(path), full))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=5, help="12 MP JPEGs to generate")
    parser.add_argument("--runs", type=int, default=5, help="passes over them")
    parser.add_argument("--corpus")
    args = parser.parse_args(argv)
    corpus = corpus_dir(args.corpus)

    with tempfile.TemporaryDirectory(prefix="shoebox-bench-render-") as tmp:
        photos = make_photos(corpus, Path(tmp), args.photos)
        breakdown(photos[0])  # warm-up: codecs, ICC transforms
        samples = [breakdown(p) for _ in range(args.runs) for p in photos]
    print(f"render of one 12 MP JPEG (4000x3000), median of {len(samples)}:")
    print("(reduced decode: 2000x1500, 1/2 DCT; 1/4 DCT gives 1000x750, below 1600 px)")
    print(f"{'step':40} {'ms':>8}")
    for step in samples[0]:
        print(f"{step:40} {statistics.median(s[step] for s in samples):8.1f}")

    print("\nlarge files, render() vs full decode + the same renditions, one fresh process each:")
    print(f"{'file':50} {'variant':13} {'decoded':>12} {'ms':>7} {'peak RSS MB':>12}")
    floor = 0.0
    for rel in LARGE_FILES:
        for full in (False, True):
            result = in_fresh_process(corpus / rel, full)
            floor = max(floor, float(result["floor"]))  # type: ignore[arg-type]
            size = "x".join(map(str, result["size"]))  # type: ignore[call-overload]
            variant = "full decode" if full else "render()"
            print(
                f"{rel:50} {variant:13} {size:>12} {result['ms']:7.0f} {result['rss']:12.0f}",
                flush=True,
            )
    print(f"idle worker (imports only): peak RSS {floor:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
