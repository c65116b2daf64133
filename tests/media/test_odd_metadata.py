"""Metadata that real cameras get wrong: the run goes on, odd values are refused with a
warning, nothing reaches the catalog that would mislead (a year-9999 photo pinned to the top
of the timeline, a longitude of 200 degrees, control characters in a camera name)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from ingest_helpers import ingest, quick_settings
from PIL import Image, TiffImagePlugin

from appliance.cli import main

R = TiffImagePlugin.IFDRational
IFD0_TAGS = {0x010F, 0x0110, 0x0132}  # Make, Model, DateTime; the rest go to the Exif IFD
CASES: dict[str, dict[int, object]] = {
    "zero_date": {0x9003: "0000:00:00 00:00:00", 0x0132: "0000:00:00 00:00:00"},
    "bad_date": {0x9003: "2019:02:30 25:61:00"},
    "far_future": {0x9003: "9999:12:31 23:59:59", 0x9011: "+14:00"},
    "year_one": {0x9003: "0001:01:01 00:00:00", 0x9011: "-12:00"},
    "zero_rationals": {0x829A: R(0, 0), 0x829D: R(0, 0), 0x920A: R(0, 0)},
    "huge_iso": {0x8827: 65535, 0x8833: 4294967295},
    "nul_model": {0x0110: "EOS\x00\x00garbage", 0x010F: "Canon\x00"},
    "long_strings": {0x0110: "X" * 20000, 0xA434: "L" * 5000},
    "control_chars": {0x010F: "\x01\x02Nikon\x7f", 0x0110: "D\t750\n"},
}


def _jpeg(path: Path, exif: Image.Exif) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 20, 30)).save(buffer, "JPEG", exif=exif.tobytes())
    path.write_bytes(buffer.getvalue())


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("odd")
    for name, tags in CASES.items():
        exif = Image.Exif()
        for tag, value in tags.items():
            (exif if tag in IFD0_TAGS else exif.get_ifd(0x8769))[tag] = value
        _jpeg(folder / f"{name}.jpg", exif)
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (R(45, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(200, 1), R(0, 1), R(0, 1))})
    _jpeg(folder / "bad_gps.jpg", exif)
    library = tmp_path_factory.mktemp("odd-lib")
    outcomes = ingest(quick_settings(library), folder)
    assert {o.status for o in outcomes} == {"added"}
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main(["--library", str(library), "export"]) == 0
    records = json.loads(buffer.getvalue())
    return {Path(r["files"][0]["seen_at"][0]).stem: r for r in records}


@pytest.mark.parametrize("name", ["zero_date", "bad_date", "far_future", "year_one"])
def test_impossible_dates_fall_back_to_the_file_time(photos: dict, name: str) -> None:
    photo = photos[name]
    assert photo["taken_at_source"] == "filetime"
    assert any("date" in w for w in photo["files"][0]["warnings"])


def test_out_of_range_gps_is_dropped_with_a_warning(photos: dict) -> None:
    photo = photos["bad_gps"]
    assert photo["latitude"] == 45.0 and photo["longitude"] is None
    assert "metadata: GPS longitude 200 is out of range" in photo["files"][0]["warnings"]


def test_camera_names_are_clean_and_bounded(photos: dict) -> None:
    assert (photos["control_chars"]["camera_make"], photos["control_chars"]["camera_model"]) == (
        "Nikon",
        "D 750",
    )
    assert (photos["nul_model"]["camera_make"], photos["nul_model"]["camera_model"]) == (
        "Canon",
        "EOS",
    )
    assert len(photos["long_strings"]["camera_model"]) <= 255


def test_zero_rationals_are_unknown_not_infinite(photos: dict) -> None:
    photo = photos["zero_rationals"]
    assert photo["exposure_time"] is None and photo["f_number"] is None
