"""What an export kept about a file is laid over the file's own metadata by the rule: the
file wins where it has a value; the export fills the rest and is kept in a sidecar."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from appliance.ingest.export_facts import decisions_for, lay_over
from appliance.media.metadata import Metadata, read_metadata, sidecar_beside
from appliance.records import ExportFacts

PARIS = (48.8584, 2.2945)
NOON_UTC = datetime(2019, 7, 14, 10, 0, 0)  # 12:00 in Paris (CEST, +02:00)


def _bare_jpeg(path: Path) -> Path:
    Image.new("RGB", (64, 48), (120, 80, 40)).save(path, "JPEG")
    return path


def test_a_bare_file_takes_the_exports_date_as_local_time_of_its_place_and_keeps_it(
    tmp_path: Path,
) -> None:
    photo = _bare_jpeg(tmp_path / "IMG_0001.jpg")
    facts = ExportFacts(NOON_UTC, *PARIS, description="Quatorze juillet", favorite=True)
    meta = read_metadata(photo)
    assert meta.taken_at is None and meta.latitude is None

    lay_over(meta, facts, sidecar_beside(photo))

    assert (meta.taken_at, meta.taken_at_offset) == (datetime(2019, 7, 14, 12, 0), 120)
    assert (meta.latitude, meta.longitude) == PARIS
    assert (meta.description, meta.rating) == ("Quatorze juillet", 5)
    assert meta.taken_at_source == meta.place_source == "sidecar"
    # the sidecar says it all again to the next reader (a rebuild, another tool)
    again = read_metadata(photo)
    assert again.sidecar == str(sidecar_beside(photo))
    assert (again.taken_at, again.taken_at_offset) == (datetime(2019, 7, 14, 12, 0), 120)
    assert again.latitude == pytest.approx(PARIS[0]) and again.longitude == pytest.approx(PARIS[1])
    assert (again.description, again.rating) == ("Quatorze juillet", 5)


def test_the_files_own_date_and_place_win_and_its_place_sets_the_time_zone(
    corpus: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "DSCN0010.jpg"  # 2008-10-22 16:28:39 in Tuscany, no description
    shutil.copy(corpus / "exif/exif-samples/gps/DSCN0010.jpg", photo)
    meta = read_metadata(photo)
    facts = ExportFacts(NOON_UTC, *PARIS, description="Sienna")

    decisions = decisions_for(meta, facts)

    assert decisions is not None
    assert decisions.taken_at is None and decisions.latitude is None
    assert decisions.description == "Sienna" and decisions.rating == 0
    lay_over(meta, facts, sidecar_beside(photo))
    assert meta.taken_at == datetime(2008, 10, 22, 16, 28, 39)
    assert meta.latitude == pytest.approx(43.4674483) and meta.place_source != "sidecar"


def test_a_date_guessed_from_the_name_loses_to_the_export_placed_by_the_files_gps() -> None:
    meta = Metadata(
        taken_at=datetime(2019, 7, 1), taken_at_source="filename", latitude=40.7, longitude=-74.0
    )
    decisions = decisions_for(meta, ExportFacts(NOON_UTC, *PARIS))
    assert decisions is not None and decisions.latitude is None
    assert (decisions.taken_at, decisions.taken_at_offset) == (datetime(2019, 7, 14, 6, 0), -240)


def test_an_export_that_adds_nothing_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    photo = tmp_path / "DSCN0010.jpg"
    shutil.copy(corpus / "exif/exif-samples/gps/DSCN0010.jpg", photo)
    meta = read_metadata(photo)
    lay_over(meta, ExportFacts(NOON_UTC, *PARIS), sidecar_beside(photo))
    assert not sidecar_beside(photo).exists() and meta.sidecar is None


def test_a_file_that_brought_its_own_sidecar_keeps_it_and_says_so(tmp_path: Path) -> None:
    photo = _bare_jpeg(tmp_path / "IMG_0002.jpg")
    own = sidecar_beside(photo)
    own.write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    meta = read_metadata(photo)

    with pytest.raises(FileExistsError, match="sidecar of its own"):
        lay_over(meta, ExportFacts(NOON_UTC, favorite=True), own)

    assert own.read_bytes() == b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"
    assert meta.rating == 5 and meta.taken_at == NOON_UTC and meta.taken_at_offset == 0
