"""Decoding on the real corpus: reduced decodes, orientation, colour, modes, bombs, RAW."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from appliance.media.decode import RAW_MIMES, RenderError, decode
from appliance.media.render import render
from appliance.media.sniff import sniff

ORIENTATION = "exif/exif-samples/orientation"


def _pixels(image: Image.Image, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.BOX), dtype=np.float64)


def _diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(_pixels(a) - _pixels(b)).mean())


def test_jpeg_is_decoded_reduced_not_full_size(corpus: Path) -> None:
    path = corpus / "misc/immich/albums/text/craft-beer.jpg"  # 6000x4000
    decoded = decode(path, "image/jpeg", 1600)
    assert decoded.full_size == (6000, 4000)
    assert decoded.image.size == (3000, 2000)  # 1/2 DCT scaling: smallest that covers 1600
    assert decode(path, "image/jpeg", 400).image.size == (750, 500)  # 1/8


@pytest.mark.parametrize("series", ["landscape", "portrait"])
def test_orientation_series_comes_out_upright(corpus: Path, series: str) -> None:
    files = sorted((corpus / ORIENTATION).glob(f"{series}_*.jpg"))
    assert len(files) >= 4
    reference = render(files[0], "image/jpeg").viewer_image
    assert files[0].name == f"{series}_1.jpg"
    for path in files[1:]:
        shown = render(path, "image/jpeg").viewer_image
        assert shown.size == reference.size, path.name
        assert _diff(shown, reference) < 6, path.name
        stored = Image.open(path).convert("RGB")
        if stored.size == reference.size:  # without orientation they would not match
            assert _diff(stored, reference) > 20, path.name


def test_orientation_from_metadata_overrides_file(corpus: Path) -> None:
    path = corpus / ORIENTATION / "landscape_1.jpg"
    turned = render(path, "image/jpeg", orientation=6)
    assert turned.display_size == (450, 600)
    upright = render(path, "image/jpeg", orientation=1).viewer_image
    assert _diff(turned.viewer_image, upright.transpose(Image.Transpose.ROTATE_270)) < 2


def _arrow_points_up(image: Image.Image) -> bool:
    """The hand-drawn arrow: a narrow tip at the top, the wide end of the shaft below."""
    gray = np.asarray(image.convert("L"), dtype=np.float64)
    ys, xs = np.nonzero(gray < 60)
    band = (ys.max() - ys.min()) * 0.1
    tip, foot = xs[ys < ys.min() + band], xs[ys > ys.max() - band]
    return bool(np.ptp(tip) < 0.6 * np.ptp(foot))


@pytest.mark.parametrize("orientation", [None, 1, 6])
def test_heic_is_not_rotated_twice(corpus: Path, orientation: int | None) -> None:
    # stored 4032x3024 with EXIF Orientation 6; libheif already turns it upright
    result = render(corpus / "heif/pillow_heif/arrow.heic", "image/heic", orientation)
    assert result.display_size == (3024, 4032)
    assert result.viewer_image.size == (1200, 1600)
    assert _arrow_points_up(result.viewer_image)
    assert not _arrow_points_up(result.viewer_image.transpose(Image.Transpose.ROTATE_180))


def _srgb_reference(corpus: Path) -> Image.Image:
    return Image.open(corpus / "misc/skimage/coffee.jpg").convert("RGB")


def test_wide_gamut_icc_profile_is_converted_to_srgb(corpus: Path, tmp_path: Path) -> None:
    prophoto = Image.open(corpus / "faces/face_recognition/knn_train/kit_harington/john2.jpeg")
    profile = prophoto.info["icc_profile"]
    assert "ProPhoto" in ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(profile))
    )
    original = _srgb_reference(corpus)
    to_prophoto = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(profile)), "RGB", "RGB"
    )
    wide = ImageCms.applyTransform(original, to_prophoto)
    path = tmp_path / "prophoto.jpg"
    wide.save(path, "JPEG", quality=95, icc_profile=profile)
    shown = render(path, "image/jpeg").viewer_image
    assert _diff(shown, original) < 3  # back in sRGB
    assert _diff(wide, original) > 8  # the raw pixels are far off: the test can fail


def test_cmyk_jpeg_becomes_rgb(corpus: Path, tmp_path: Path) -> None:
    original = _srgb_reference(corpus)
    path = tmp_path / "cmyk.jpg"
    original.convert("CMYK").save(path, "JPEG", quality=95)
    assert Image.open(path).mode == "CMYK"
    result = render(path, "image/jpeg")
    assert result.viewer_image.mode == "RGB"
    assert _diff(result.viewer_image, original) < 4


@pytest.mark.parametrize(
    "rel",
    [
        "misc/pillow_heif/L_16__128x128.png",  # I;16
        "misc/pillow_heif/LA_8__128x128.png",  # LA
        "misc/pillow_heif/RGBA_16__128x128.png",
        "heif/pillow_heif/L_12__128x128.heif",  # 12-bit mono
        "heif/pillow_heif/RGBA_10__128x128.heif",
        "misc/dlib/elon-musk-smoke.gif",  # animated: first frame
        "exif/exif-samples/tiff/BSG1.tiff",  # RGBA TIFF with a display profile
    ],
)
def test_any_mode_becomes_8bit_rgb(corpus: Path, rel: str) -> None:
    path = corpus / rel
    result = render(path, sniff(path).mime)
    assert result.viewer_image.mode == "RGB"
    assert result.model_input.shape == (224, 224, 3) and result.model_input.dtype == np.uint8
    assert result.model_input.std() > 1  # not a blank picture


def test_bilevel_png_renders_white(corpus: Path) -> None:
    result = render(corpus / "misc/exiftool/PNG.png", "image/png")  # mode "1", all white
    assert result.viewer_image.mode == "RGB"
    assert int(result.model_input.min()) >= 250


def test_sixteen_bit_keeps_its_tones(corpus: Path) -> None:
    path = corpus / "misc/pillow_heif/L_16__128x128.png"
    wide = np.asarray(Image.open(path), dtype=np.float64) / 257
    shown = np.asarray(render(path, "image/png").viewer_image.convert("L"), dtype=np.float64)
    assert np.abs(shown - wide).mean() < 2


def test_animated_gif_uses_first_frame(corpus: Path) -> None:
    path = corpus / "misc/dlib/elon-musk-smoke.gif"
    first = Image.open(path).convert("RGB")
    assert _diff(render(path, "image/gif").viewer_image, first) < 2


@pytest.mark.parametrize(
    "rel",
    [
        "bad/crafted/bomb_gray_20000x20000.png",
        "bad/crafted/bomb_header_only_100000x100000.png",
        "bad/crafted/jpeg_huge_dimensions_65500x65500.jpg",
    ],
)
def test_decompression_bombs_are_refused(corpus: Path, rel: str) -> None:
    path = corpus / rel
    with pytest.raises(RenderError, match="decompression bomb refused: .* exceeds the 256 MP"):
        render(path, sniff(path).mime)


# Peak memory of the child alone: VmHWM belongs to its own address space, whereas
# ru_maxrss survives fork+exec on Linux and would report the pytest parent's peak.
_PEAK_SCRIPT = """
import re, sys
from pathlib import Path
from appliance.media.render import render
r = render(Path(sys.argv[1]), "image/heic")
hwm = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)
print(r.display_size[0], r.display_size[1], max(r.viewer_image.size), int(hwm) // 1024)
"""


def test_200mp_heic_renders_within_memory(corpus: Path) -> None:
    path = corpus / "heif/pillow_heif/200MP.heic"
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    width, height, viewer_long, peak_mb = map(int, out)
    assert (width, height) == (12240, 16320)
    assert viewer_long >= 400  # from the embedded 512 px thumbnail
    assert peak_mb < 250, f"peak RSS {peak_mb} MB"


def test_raw_mimes_cover_every_sniffed_raw(corpus: Path) -> None:
    raws = [p for p in (corpus / "raw").rglob("*") if p.is_file()]
    kinds = {sniff(p).kind for p in raws}
    assert kinds == {"raw"}
    assert {sniff(p).mime for p in raws} <= RAW_MIMES


def test_raw_uses_embedded_preview(corpus: Path) -> None:
    decoded = decode(corpus / "raw/photoprism/canon_eos_6d.dng", "image/x-adobe-dng", 1600)
    assert decoded.full_size == (1224, 816)
    assert decoded.image.size == (1024, 683)  # the embedded JPEG, not a demosaic


def test_raw_with_tiny_preview_and_sensor_data_is_demosaiced(corpus: Path) -> None:
    path = next((corpus / "raw/rawpy").glob("RAW_KODAK_DC50_*.KDC"))
    decoded = decode(path, "image/x-kodak-kdc", 1600)
    assert decoded.image.size == (768, 512)
    assert np.asarray(decoded.image).std() > 10


@pytest.mark.parametrize("name", ["CanonRaw.cr3", "DNG.dng", "Nikon.nef", "Sigma.x3f"])
def test_raw_stub_without_preview_fails_cleanly(corpus: Path, name: str) -> None:
    path = corpus / "raw/exiftool" / name
    with pytest.raises(RenderError, match="no embedded preview and no sensor data"):
        decode(path, sniff(path).mime, 1600)


def test_unsupported_and_missing(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * 64)
    with pytest.raises(RenderError, match="unsupported type video/mp4"):
        decode(video, "video/mp4", 400)
    with pytest.raises(RenderError, match="cannot read file"):
        decode(tmp_path / "gone.jpg", "image/jpeg", 400)


@pytest.mark.parametrize(("resolutions", "expected"), [(6, (600, 400)), (1, (2400, 1600))])
def test_jpeg2000_decodes_a_lower_resolution_level(
    corpus: Path, tmp_path: Path, resolutions: int, expected: tuple[int, int]
) -> None:
    path = tmp_path / "scan.jp2"
    original = _srgb_reference(corpus).resize((2400, 1600))
    original.save(path, num_resolutions=resolutions)
    decoded = decode(path, "image/jp2", 400)
    assert decoded.full_size == (2400, 1600)
    assert decoded.image.size == expected  # never asks for more levels than the file has
    assert _diff(decoded.image, original) < 3


def test_avif_orientation_is_applied_once(corpus: Path, tmp_path: Path) -> None:
    upright = render(corpus / ORIENTATION / "landscape_1.jpg", "image/jpeg").viewer_image
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera stores for 6
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "turned.avif"
    stored.save(path, "AVIF", quality=90, exif=exif.tobytes())
    for orientation in (None, 6, 1):  # the decoder's own transform wins
        shown = render(path, "image/avif", orientation).viewer_image
        assert shown.size == upright.size
        assert _diff(shown, upright) < 6


def test_a_file_the_system_cannot_read_is_not_a_broken_picture(tmp_path: Path) -> None:
    """An OS error while reading (a drive pulled mid-read gives EIO; here a folder where a
    file was expected) is raised as the OSError it is, so the import tries again later,
    instead of a RenderError that records the photo as broken for good (the VM test saw an
    NTFS drive pulled mid-read leave its photo 'cannot decode' and never imported)."""
    folder = tmp_path / "IMG_0001.JPG"
    folder.mkdir()
    with pytest.raises(OSError) as raised:
        decode(folder, "image/jpeg", 256)
    assert not isinstance(raised.value, RenderError) and raised.value.errno is not None
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(b"\xff\xd8\xff\xe0 not much of a picture")
    with pytest.raises(RenderError):  # Pillow's own errors (no errno) stay broken pictures
        decode(truncated, "image/jpeg", 256)
