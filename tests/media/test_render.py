"""Renditions for every corpus file, bad input, and the thumbnail cache."""

from __future__ import annotations

import hashlib
import io
import pickle
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from appliance.media.decode import HAVE_JXL
from appliance.media.render import GRID_LONG_SIDE, VIEWER_LONG_SIDE, RenderError, render
from appliance.media.sniff import sniff
from appliance.media.thumbs import ThumbnailCache

# Files under exif/, heif/, misc/, raw/ that cannot give a picture, and why.
EXPECTED_FAILURES = {
    "raw/exiftool/CanonRaw.cr2": "RAW decoder",  # LibRaw: unsupported (stub)
    "raw/exiftool/CanonRaw.cr3": "no embedded preview and no sensor data",
    "raw/exiftool/CanonRaw.crw": "no embedded preview and no sensor data",
    "raw/exiftool/DNG.dng": "no embedded preview and no sensor data",
    "raw/exiftool/Minolta.mrw": "no embedded preview and no sensor data",
    "raw/exiftool/Nikon.nef": "no embedded preview and no sensor data",
    "raw/exiftool/Panasonic.rw2": "only a tiny preview and no sensor data",  # 8x8 dummy
    "raw/exiftool/Sigma.x3f": "no embedded preview and no sensor data",
}
if not HAVE_JXL:  # the optional "jxl" extra is not installed
    EXPECTED_FAILURES["misc/immich/formats/jxl/8bit-sRGB.jxl"] = "needs the pillow-jxl-plugin"
# Files under bad/ that are intact pictures (see sources.json notes) and must render.
BAD_BUT_DECODABLE = {
    "bad/crafted/exif_bad_offsets.jpg",  # broken EXIF, intact picture
    "bad/crafted/exif_ifd_self_loop.jpg",
    "bad/crafted/jpeg_trailing_garbage.jpg",
    "bad/crafted/png_content.jpg",  # a PNG named .jpg
    "bad/crafted/gif_truncated.gif",  # the first frame is complete
    "bad/exif-samples/corrupted.jpg",
    "bad/exif-samples/invalid/image00971.jpg",
    "bad/exif-samples/invalid/image01088.jpg",
    "bad/exif-samples/invalid/image01137.jpg",
    "bad/exif-samples/invalid/image01551.jpg",
    "bad/exif-samples/invalid/image01713.jpg",
    "bad/exif-samples/invalid/image01980.jpg",
    "bad/photoprism/wrong.heic",  # a JPEG named .heic
    "bad/pillow_heif/truncated.heic",  # the 16x16 primary image is intact
}
HANG_GUARD_SECONDS = 60


def _files(corpus: Path, *folders: str) -> list[str]:
    return sorted(
        str(p.relative_to(corpus))
        for folder in folders
        for p in (corpus / folder).rglob("*")
        if p.is_file() and p.suffix != ".py"
    )


@contextmanager
def _no_hang(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body runs longer than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"render did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        return im.size


def _check(renditions, display: tuple[int, int]) -> None:
    assert renditions.display_size == display
    viewer = _jpeg_size(renditions.viewer_jpeg)
    grid = _jpeg_size(renditions.grid_jpeg)
    assert viewer == renditions.viewer_image.size
    assert max(viewer) <= VIEWER_LONG_SIDE and max(grid) <= GRID_LONG_SIDE
    # aspect kept (within rounding) and orientation consistent with the display size
    aspect = display[0] / display[1]
    for w, h in (viewer, grid):
        assert abs(w / h - aspect) <= 2 / min(w, h) + 0.01 * aspect
    assert renditions.model_input.shape == (224, 224, 3)
    assert renditions.model_input.dtype == np.uint8


@pytest.mark.parametrize("folder", ["exif", "heif", "misc", "raw", "faces"])
def test_every_good_corpus_file_renders(corpus: Path, folder: str) -> None:
    failures: dict[str, str] = {}
    for rel in _files(corpus, folder):
        path = corpus / rel
        try:
            with _no_hang(HANG_GUARD_SECONDS):
                result = render(path, sniff(path).mime)
        except RenderError as exc:
            failures[rel] = str(exc)
            continue
        long_side = max(result.display_size)
        if rel.startswith(("exif/", "misc/", "faces/")) and sniff(path).mime == "image/jpeg":
            # the viewer is as large as the picture allows, up to 1600 px
            assert max(result.viewer_image.size) == min(long_side, VIEWER_LONG_SIDE), rel
        _check(result, result.display_size)
    expected = {k: v for k, v in EXPECTED_FAILURES.items() if k.startswith(folder + "/")}
    assert set(failures) == set(expected), failures
    for rel, reason in expected.items():
        assert reason in failures[rel], (rel, failures[rel])


def test_every_bad_file_fails_cleanly_or_renders(corpus: Path) -> None:
    outcome: dict[str, str] = {}
    for rel in _files(corpus, "bad"):
        path = corpus / rel
        try:
            with _no_hang(HANG_GUARD_SECONDS):
                result = render(path, sniff(path).mime)
        except RenderError as exc:
            reason = str(exc)
            assert len(reason) > 10 and "Traceback" not in reason, (rel, reason)
            outcome[rel] = reason
            continue
        _check(result, result.display_size)
        outcome[rel] = "ok"
    rendered = {rel for rel, reason in outcome.items() if reason == "ok"}
    assert rendered == BAD_BUT_DECODABLE
    assert "truncated" in outcome["bad/crafted/truncated_half.jpg"]
    assert "empty file" in outcome["bad/crafted/zero_bytes.jpg"]
    assert "unsupported type text/plain" in outcome["bad/crafted/text_file.jpg"]


def test_renditions_sizes_and_order(corpus: Path) -> None:
    path = corpus / "misc/immich/albums/text/handwritten-notes.jpg"  # 5117x3411
    result = render(path, "image/jpeg")
    _check(result, (5117, 3411))
    assert _jpeg_size(result.viewer_jpeg) == (1600, 1067)
    assert _jpeg_size(result.grid_jpeg) == (400, 267)
    # the model input is the centre square of the picture
    centre = result.viewer_image.crop((267, 0, 1334, 1067)).resize((224, 224))
    assert np.abs(np.asarray(centre, float) - result.model_input).mean() < 6


def test_panorama_model_input_comes_from_the_viewer(corpus: Path) -> None:
    path = corpus / "misc/dlib/mmod_cars_test_image2.jpg"  # 2482x614
    result = render(path, "image/jpeg")
    assert _jpeg_size(result.grid_jpeg) == (400, 99)
    assert result.model_input.shape == (224, 224, 3)
    assert result.model_input.std() > 10  # detail from the 396 px high viewer, not 99 px


def test_renditions_pickle_and_optional_viewer_image(corpus: Path) -> None:
    path = corpus / "misc/skimage/chelsea.jpg"
    result = render(path, "image/jpeg", with_viewer_image=False)
    assert result.viewer_image is None
    copy = pickle.loads(pickle.dumps(render(path, "image/jpeg")))
    assert copy.viewer_image.size == (451, 300)
    assert np.array_equal(copy.model_input, result.model_input)


def test_thumbnail_cache_layout_and_atomic_writes(corpus: Path, tmp_path: Path) -> None:
    path = corpus / "misc/skimage/coffee.jpg"
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    cache = ThumbnailCache(tmp_path / "cache")
    assert cache.path(sha, "grid") == tmp_path / "cache/thumbs/grid" / sha[:2] / f"{sha}.jpg"
    assert not cache.has(sha)
    result = render(path, "image/jpeg")
    cache.write(sha, result)
    assert cache.has(sha)
    assert cache.path(sha, "viewer").read_bytes() == result.viewer_jpeg
    assert cache.path(sha, "grid").read_bytes() == result.grid_jpeg
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []
    # regenerable: a truncated (power-cut) file counts as missing, and is rewritten
    cache.path(sha, "grid").write_bytes(b"")
    assert not cache.has(sha)
    cache.write(sha, result)
    assert cache.has(sha)
    cache.remove(sha)
    assert not cache.has(sha)


def test_thumbnail_cache_rejects_bad_keys(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        cache.path("../../etc/passwd", "grid")
    with pytest.raises(ValueError, match="SHA-256"):
        cache.path("A" * 64, "grid")
    with pytest.raises(ValueError, match="unknown thumbnail size"):
        cache.path("a" * 64, "huge")
