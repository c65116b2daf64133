"""Video cost: poster + metadata per movie, transcode speed, and ffmpeg's peak memory.

Usage: .venv/bin/python bench/bench_video.py [CORPUS_DIR] [--no-4k]

For every movie in the corpus's video/ folder: ms for the metadata (ExifTool, stay-open),
the stream facts (ffprobe), the integrity check (all packets, no decoding) and the poster
frame (decode at ~1 s, scaled inside ffmpeg), with each ffmpeg child's peak RSS (wait4).
Baseline from the same run: the same stages' equivalent for a 12 MP JPEG photo
(read_metadata + render). Then the transcode queue's command on the HEVC movies, as a
multiple of real time (movie seconds per wall second) with peak RSS, including a 4K HEVC
clip made here from the corpus (skipped with --no-4k). Codec threads: as in production.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from appliance.media import ffmpeg, video  # noqa: E402
from appliance.media.metadata import read_metadata  # noqa: E402
from appliance.media.motion import extract_motion_video  # noqa: E402
from appliance.media.render import render  # noqa: E402
from appliance.media.transcode import command, time_limit  # noqa: E402

MOVIES = [
    "bigbuckbunny.mp4",
    "carphone_pristine.mp4",
    "VID_20211224_200500.mp4",
    "IMG_4102.MOV",
    "bunny_vp9.webm",
]
PHOTO = "exif/photoprism/IMG_4120.JPG"


def default_corpus() -> Path:
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "shared" / "corpus", here.parent.parent / "shared" / "corpus"):
        if candidate.is_dir():
            return candidate
    raise SystemExit("corpus not found; pass its folder")


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def measure_movie(path: Path) -> dict[str, float]:
    """Stage times (ms) and the largest peak RSS (MB) of the ffmpeg children for one movie."""
    peaks: list[int] = []
    real_run = ffmpeg.run

    def tracking_run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - pass-through
        done = real_run(*args, **kwargs)
        peaks.append(done.peak_rss)
        return done

    ffmpeg.run = tracking_run  # type: ignore[assignment]
    try:
        t = time.perf_counter()
        read_metadata(path)
        meta = _ms(t)
        t = time.perf_counter()
        facts = video.probe(path)
        probe = _ms(t)
        t = time.perf_counter()
        video.check_complete(path)
        check = _ms(t)
        t = time.perf_counter()
        video.poster_frame(path, facts)
        poster = _ms(t)
    finally:
        ffmpeg.run = real_run  # type: ignore[assignment]
    total = meta + probe + check + poster
    return {
        "meta": meta,
        "probe": probe,
        "check": check,
        "poster": poster,
        "total": total,
        "rss": max(peaks) / 2**20,
    }


def measure_photo(path: Path, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        meta = read_metadata(path)
        render(path, "image/jpeg", meta.orientation)
        times.append(_ms(t))
    return statistics.median(times)


def measure_transcode(source: Path, out_dir: Path) -> tuple[float, float, float, str]:
    """(movie seconds, speed x real time, peak RSS MB, encoder) of one transcode."""
    facts = video.probe(source)
    target = out_dir / f"transcoded-{source.stem}.mp4"
    encoder = ffmpeg.hardware_h264_encoder()
    done = ffmpeg.run(command(source, target, encoder), time_limit(facts.duration), nice=19)
    seconds = facts.duration or 0.0
    return seconds, seconds / done.seconds, done.peak_rss / 2**20, encoder or "libx264"


def make_4k_hevc(corpus: Path, out_dir: Path) -> Path:
    """A 3 s 3840x2160 HEVC phone-style clip (hvc1 in QuickTime) from the corpus bunny."""
    target = out_dir / "hevc_4k.mov"
    ffmpeg.run(
        [
            "ffmpeg", "-v", "error", "-y", "-i", str(corpus / "video" / "bigbuckbunny.mp4"),
            "-t", "3", "-vf", "scale=3840:2160", "-c:v", "libx265", "-preset", "ultrafast",
            "-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a", "copy", str(target),
        ],
        600,
        memory=4 * 2**30,
    )  # fmt: skip
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=None)
    parser.add_argument("--no-4k", action="store_true", help="skip the 4K HEVC clip")
    args = parser.parse_args()
    corpus = args.corpus or default_corpus()

    print("poster + metadata per movie (ms; peak RSS of the largest ffmpeg child)")
    print(
        f"{'movie':28} {'meta':>6} {'probe':>6} {'check':>6} {'poster':>7} {'total':>7} {'RSS':>7}"
    )
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        movies = [corpus / "video" / name for name in MOVIES]
        motion = extract_motion_video(corpus / "video" / "samsung-one-ui-6.heic", out / "m.mp4")
        big = make_4k_hevc(corpus, out) if not args.no_4k else None
        for path in movies + ([big] if big else []):
            row = measure_movie(path)
            totals.append(row["total"])
            print(
                f"{path.name:28} {row['meta']:6.0f} {row['probe']:6.0f} {row['check']:6.0f} "
                f"{row['poster']:7.0f} {row['total']:7.0f} {row['rss']:6.0f}M"
            )
        print(f"{'median movie':28} {'':27} {statistics.median(totals):7.0f}")
        print(f"{'baseline: 12 MP JPEG photo':28} {'(read_metadata + render)':>27} "
              f"{measure_photo(corpus / PHOTO):7.0f}")  # fmt: skip

        print("\ntranscode to H.264/AAC 720p faststart (nice 19, 2 threads)")
        print(f"{'source':28} {'movie s':>8} {'x realtime':>11} {'RSS':>7}  encoder")
        sources = [corpus / "video" / "IMG_4102.MOV", motion]
        for source in sources + ([big] if big else []):
            seconds, speed, rss, encoder = measure_transcode(source, out)
            name = "samsung motion (1440x1080)" if source == motion else source.name
            print(f"{name:28} {seconds:8.2f} {speed:10.2f}x {rss:6.0f}M  {encoder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
