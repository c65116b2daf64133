"""read_metadata against ExifTool on every corpus file, field by field (98% bar)."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from appliance.media.makes import normalize_make, normalize_model
from appliance.media.metadata import Metadata, MetadataError, parse_date, read_metadata

BAR = 0.98

# Disagreements we accept, each with its reason. The test checks every one of them still
# disagrees (so a fix shows up) and that no other file disagrees (so the list cannot grow).
_CONFLICT = (
    "ExifTool's own test image carries contradictory Canon maker-note (1998) and EXIF "
    "(Fujifilm, 2001) values; without -G ExifTool prints the maker note's, Shoebox's fixed "
    "group order takes EXIF first"
)
_ZERO = "ExifTool reports the stored 0 (= unknown); Shoebox stores None for unknown"
ACCEPTED: dict[tuple[str, str], str] = {
    ("exif/exiftool/ExifTool.jpg", "taken_at"): _CONFLICT,
    ("exif/exiftool/ExifTool.jpg", "make"): _CONFLICT,
    ("exif/exiftool/ExifTool.jpg", "model"): _CONFLICT,
    ("exif/exiftool/GPS.jpg", "iso"): _ZERO,
    ("exif/exiftool/GPS.jpg", "focal_length"): _ZERO,
}


def _close(a: float | None, b: Any, rel: float = 0.01, abs_: float = 0.0) -> bool:
    b = _number(b)
    if a is None or not isinstance(b, int | float):
        return False
    return math.isclose(a, float(b), rel_tol=rel, abs_tol=abs_)


def _number(value: Any) -> Any:
    """ExifTool -n prints some maker-note values as a list ('0 200' for Nikon ISO): the last."""
    if isinstance(value, str) and value.split():
        try:
            return float(value.split()[-1])
        except ValueError:
            return value
    return value


def _date(meta: Metadata, ref: dict) -> bool:
    parsed = parse_date(ref.get("DateTimeOriginal") or ref.get("CreateDate"))
    if parsed is None or meta.taken_at is None:
        return False
    when, offset = parsed
    same_time = meta.taken_at.replace(microsecond=0) == when
    return same_time and (offset is None or offset == meta.taken_at_offset)


def _make(meta: Metadata, ref: dict) -> bool:
    return meta.make_raw == ref["Make"].strip() and meta.camera_make == normalize_make(ref["Make"])


FIELDS: dict[str, tuple[tuple[str, ...], Callable[[Metadata, dict], bool]]] = {
    "taken_at": (("DateTimeOriginal", "CreateDate"), _date),
    "make": (("Make",), _make),
    "model": (("Model",), lambda m, r: m.model_raw == " ".join(str(r["Model"]).split())),
    "lens": (("LensModel",), lambda m, r: m.lens == " ".join(str(r["LensModel"]).split())),
    "latitude": (("GPSLatitude",), lambda m, r: _close(m.latitude, r["GPSLatitude"], 0, 1e-6)),
    "longitude": (("GPSLongitude",), lambda m, r: _close(m.longitude, r["GPSLongitude"], 0, 1e-6)),
    "altitude": (("GPSAltitude",), lambda m, r: _close(m.altitude, r["GPSAltitude"], 0, 0.01)),
    "orientation": (("Orientation",), lambda m, r: m.orientation == r["Orientation"]),
    "stored_width": (("ImageWidth",), lambda m, r: m.stored_width == r["ImageWidth"]),
    "stored_height": (("ImageHeight",), lambda m, r: m.stored_height == r["ImageHeight"]),
    "exposure_time": (("ExposureTime",), lambda m, r: _close(m.exposure_time, r["ExposureTime"])),
    "f_number": (("FNumber",), lambda m, r: _close(m.f_number, r["FNumber"])),
    "iso": (("ISO",), lambda m, r: _close(m.iso, r["ISO"], 0.01, 0.5)),
    "focal_length": (("FocalLength",), lambda m, r: _close(m.focal_length, r["FocalLength"])),
}


def _has(ref: dict, keys: tuple[str, ...]) -> bool:
    return any(ref.get(k) not in (None, "", "undef") for k in keys)


@pytest.fixture(scope="module")
def results(corpus: Path, exiftool_reference: dict) -> dict[str, Metadata | MetadataError]:
    out: dict[str, Metadata | MetadataError] = {}
    for rel in exiftool_reference:
        try:
            out[rel] = read_metadata(corpus / rel)
        except MetadataError as exc:
            out[rel] = exc
    return out


def test_agreement_with_exiftool(results, exiftool_reference: dict) -> None:
    table, failures, seen = [], [], set()
    for name, (keys, agree) in FIELDS.items():
        total = ok = 0
        for rel, ref in exiftool_reference.items():
            if not _has(ref, keys):
                continue
            total += 1
            meta = results[rel]
            if isinstance(meta, Metadata) and agree(meta, ref):
                ok += 1
            elif (rel, name) in ACCEPTED:
                seen.add((rel, name))
            else:
                got = getattr(meta, name, meta) if isinstance(meta, Metadata) else meta
                failures.append(f"{name} {rel}: exiftool {[ref.get(k) for k in keys]} got {got!r}")
        table.append((name, total, ok))
    mime_total = sum(1 for r in exiftool_reference.values() if r.get("MIMEType"))
    print(f"\n{'field':<14}{'files':>7}{'agree':>7}{'%':>8}")
    for name, total, ok in table:
        print(f"{name:<14}{total:>7}{ok:>7}{100 * ok / max(total, 1):>8.1f}")
    print(f"{'mime (sniff)':<14}{mime_total:>7}  see test_sniff.py")
    print("\n".join(failures))
    assert not failures, f"{len(failures)} unexpected disagreements"
    assert seen == set(ACCEPTED), f"accepted disagreements now agree: {set(ACCEPTED) - seen}"
    low = [(n, ok / t) for n, t, ok in table if t and ok / t < BAR]
    assert not low, f"fields below {BAR:.0%}: {low}"


def test_unreadable_files_raise_metadata_error(corpus: Path, tmp_path: Path) -> None:
    for rel in (
        "bad/crafted/zero_bytes.jpg",
        "bad/crafted/random_bytes.jpg",
        "bad/crafted/text_file.jpg",
        "bad/crafted/soi_only.jpg",
    ):
        with pytest.raises(MetadataError, match=r"empty file|not a recognised"):
            read_metadata(corpus / rel)
    with pytest.raises(MetadataError, match="cannot read"):
        read_metadata(tmp_path / "missing.jpg")


def test_every_bad_file_ends_cleanly(corpus: Path) -> None:
    for path in sorted((corpus / "bad").rglob("*")):
        if path.is_file() and path.suffix != ".py":
            try:
                meta = read_metadata(path)
            except MetadataError as exc:
                assert str(exc)
            else:
                assert isinstance(meta.warnings, list)


def test_crafted_exif_loops_and_offsets_warn(corpus: Path) -> None:
    loop = read_metadata(corpus / "bad/crafted/exif_ifd_self_loop.jpg")
    bad = read_metadata(corpus / "bad/crafted/exif_bad_offsets.jpg")
    assert (loop.stored_width, bad.stored_width) == (600, 600)
    # ExifTool's own words: "IFD1 pointer references previous IFD0 directory", "Bad offset"
    assert any("references previous" in w for w in loop.warnings), loop.warnings
    assert any("bad offset" in w.lower() for w in bad.warnings), bad.warnings


def test_truncated_copy_keeps_partial_data(corpus: Path, tmp_path: Path) -> None:
    src = (corpus / "heif/pillow_heif/arrow.heic").read_bytes()
    for cut in (40, 300, len(src) // 2):
        part = tmp_path / f"cut{cut}.heic"
        part.write_bytes(src[:cut])
        assert isinstance(read_metadata(part), Metadata)


def test_heif_display_size_uses_irot_not_exif(corpus: Path) -> None:
    meta = read_metadata(corpus / "heif/pillow_heif/arrow.heic")
    assert (meta.stored_width, meta.stored_height, meta.orientation) == (4032, 3024, 6)
    assert (meta.width, meta.height) == (3024, 4032)


def test_jpeg_display_size_follows_orientation(corpus: Path, exiftool_reference) -> None:
    for rel, ref in exiftool_reference.items():
        if ref.get("MIMEType") == "image/jpeg" and ref.get("Orientation") in (6, 8):
            meta = read_metadata(corpus / rel)
            assert (meta.width, meta.height) == (ref["ImageHeight"], ref["ImageWidth"]), rel


def test_offset_and_source(corpus: Path) -> None:
    meta = read_metadata(corpus / "exif/immich/gps-position/thompson-springs.jpg")
    assert meta.taken_at_source == "iptc" and meta.taken_at_offset == -240
    priority = read_metadata(corpus / "exif/immich/dates/date-priority-test.jpg")
    assert priority.taken_at == datetime(2023, 2, 2, 2, 0, 0)
    assert priority.taken_at_source == "exif"


def test_filename_date_fallback(corpus: Path, tmp_path: Path) -> None:
    src = corpus / "misc/pillow_heif/RGBA_8__128x128.png"
    named = tmp_path / "IMG_20190704_101500.png"
    shutil.copyfile(src, named)
    meta = read_metadata(named)
    assert (meta.taken_at, meta.taken_at_source) == (datetime(2019, 7, 4, 10, 15), "filename")


@pytest.mark.parametrize(
    ("make", "model", "display_make", "display_model"),
    [
        ("NIKON CORPORATION", "NIKON D70", "Nikon", "D70"),
        ("Canon", "Canon EOS 350D DIGITAL", "Canon", "EOS 350D DIGITAL"),
        ("OLYMPUS IMAGING CORP.", "E-M5", "Olympus", "E-M5"),
        (
            "Eastman Kodak Company",
            "Kodak Digital Science DC50 Zoom Camera",
            "Kodak",
            "Digital Science DC50 Zoom Camera",
        ),
        ("ACME OPTICAL CO., LTD.", "ACME X1", "Acme", "X1"),
        ("Apple", "iPhone 8 Plus", "Apple", "iPhone 8 Plus"),
    ],
)
def test_make_model_normalisation(make, model, display_make, display_model) -> None:
    assert normalize_make(make) == display_make
    assert normalize_model(model, make) == display_model
