"""Video and motion-photo metadata through ExifTool, against video_exiftool.json."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from appliance.media.metadata import Metadata, read_metadata
from appliance.media.motion import extract_motion_video


@pytest.fixture(scope="module")
def videos(corpus: Path) -> dict[str, Metadata]:
    return {p.name: read_metadata(p) for p in sorted((corpus / "video").iterdir())}


@pytest.fixture(scope="module")
def video_reference(corpus: Path) -> dict[str, dict]:
    records = json.loads((corpus / "video_exiftool.json").read_text())
    return {r["SourceFile"]: r for r in records}


def test_keys_creation_date_is_local_with_its_offset(videos: dict) -> None:
    mov = videos["IMG_4102.MOV"]
    assert (mov.taken_at, mov.taken_at_offset, mov.taken_at_source) == (
        datetime(2023, 7, 14, 18, 30, 5),
        120,
        "quicktime",
    )


def test_utc_create_date_is_marked_utc(videos: dict) -> None:
    mp4 = videos["VID_20211224_200500.mp4"]
    assert (mp4.taken_at, mp4.taken_at_offset, mp4.taken_at_source) == (
        datetime(2021, 12, 24, 19, 5),
        0,
        "quicktime-utc",
    )


def test_unset_container_dates_mean_unknown(videos: dict) -> None:
    for name in ("bigbuckbunny.mp4", "carphone_pristine.mp4", "bunny_vp9.webm"):
        assert videos[name].taken_at is None, name
        assert not any("date" in w for w in videos[name].warnings), videos[name].warnings


def test_video_fields_match_exiftool(videos: dict, video_reference: dict) -> None:
    checked = 0
    for name, ref in video_reference.items():
        meta = videos[name]
        if "GPSLatitude" in ref:
            assert meta.latitude == pytest.approx(ref["GPSLatitude"], abs=1e-6), name
            assert meta.longitude == pytest.approx(ref["GPSLongitude"], abs=1e-6), name
            assert meta.altitude == pytest.approx(ref["GPSAltitude"], abs=0.01), name
            checked += 1
        if isinstance(ref.get("Duration"), int | float):
            assert meta.duration == pytest.approx(ref["Duration"], abs=1e-3), name
            checked += 1
        if "Rotation" in ref:
            assert meta.rotation == ref["Rotation"], name
            checked += 1
        if "Make" in ref:
            assert (meta.make_raw, meta.model_raw) == (ref["Make"], ref["Model"]), name
            checked += 1
        if "ImageWidth" in ref and meta.stored_width is not None:
            assert (meta.stored_width, meta.stored_height) == (
                ref["ImageWidth"],
                ref["ImageHeight"],
            ), name
            checked += 1
    assert checked >= 20
    # Matroska gives its duration as a clock string
    assert videos["bunny_vp9.webm"].duration == pytest.approx(3.0)


def test_codec_frame_rate_and_displayed_size(videos: dict) -> None:
    mov, mp4, webm = (
        videos["IMG_4102.MOV"],
        videos["VID_20211224_200500.mp4"],
        videos["bunny_vp9.webm"],
    )
    assert (mov.video_codec, mov.frame_rate) == ("hevc", 25.0)
    assert (mp4.video_codec, webm.video_codec) == ("h264", "vp9")
    assert videos["carphone_pristine.mp4"].frame_rate == pytest.approx(29.97, abs=0.01)
    assert (mov.width, mov.height) == (272, 640)  # rotation 90: shown upright
    assert (mp4.width, mp4.height) == (720, 1280)


def test_samsung_motion_photo_is_flagged_and_its_video_extracted(
    videos: dict, corpus: Path, tmp_path: Path
) -> None:
    heic = videos["samsung-one-ui-6.heic"]
    assert heic.motion_photo is True
    assert heic.motion_photo_length == 3226469
    assert not videos["IMG_4102.HEIC"].motion_photo
    out = extract_motion_video(corpus / "video/samsung-one-ui-6.heic", tmp_path / "motion.mp4")
    assert out is not None and out.stat().st_size == heic.motion_photo_length
    assert out.read_bytes()[4:8] == b"ftyp"
    assert extract_motion_video(corpus / "video/IMG_4102.HEIC", tmp_path / "none.mp4") is None


def test_truncated_video_is_read_with_a_warning(videos: dict) -> None:
    meta = videos["truncated_bunny.mp4"]
    assert meta.duration is None and any("Truncated" in w for w in meta.warnings)
