"""A capture time without its zone takes the zone of its GPS place: the lookup, the rule,
and real corpus files through the pipeline (photos catalogued before the rule: the backfill
and a place set by hand, in tests/catalog/test_places_catalog.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from ingest_helpers import export, ingest, quick_settings
from PIL import Image

from appliance.media.metadata import sidecar_beside
from appliance.media.xmp_write import Decisions, write_sidecar
from appliance.places import time_zones

BERLIN = (52.5163, 13.3777)
KYOTO = (35.0116, 135.7681)
NEW_YORK = (40.7128, -74.0060)
AREZZO = (43.4671, 11.8845)


@pytest.mark.parametrize(
    ("where", "zone"),
    [
        (BERLIN, "Europe/Berlin"),
        (KYOTO, "Asia/Tokyo"),
        (NEW_YORK, "America/New_York"),
        ((-0.3713, 36.0564), "Africa/Nairobi"),
        ((0.0, -30.0), "Etc/GMT+2"),  # at sea: nautical time
    ],
)
def test_the_zone_of_a_place(where: tuple[float, float], zone: str) -> None:
    found = time_zones.zone_at(*where)
    assert found is not None and found.key == zone


@pytest.mark.parametrize("where", [(0.0, 0.0), (None, None), (91.0, 0.0), (float("nan"), 1.0)])
def test_no_zone_without_a_real_position(where) -> None:
    assert time_zones.zone_at(*where) is None


def test_a_wall_clock_time_keeps_its_time_and_gets_the_offset_of_that_day() -> None:
    summer, winter = dt.datetime(2021, 7, 1, 12), dt.datetime(2021, 12, 24, 20, 5)
    assert time_zones.settled_time(summer, None, "exif", *BERLIN) == (summer, 120)
    assert time_zones.settled_time(winter, None, "filename", *BERLIN) == (winter, 60)
    assert time_zones.settled_time(winter, None, "exif", *NEW_YORK) == (winter, -300)
    # the hour the clocks go back happens twice: the first (summer) one is taken
    repeated = dt.datetime(2021, 10, 31, 2, 30)
    assert time_zones.settled_time(repeated, None, "exif", *BERLIN) == (repeated, 120)


def test_a_utc_time_becomes_the_local_time_of_its_place() -> None:
    utc = dt.datetime(2021, 12, 24, 19, 5)
    assert time_zones.settled_time(utc, 0, "quicktime-utc", *BERLIN) == (
        dt.datetime(2021, 12, 24, 20, 5),
        60,
    )
    # across midnight and the date line
    assert time_zones.local_from_utc(dt.datetime(2019, 6, 1, 20), *KYOTO) == (
        dt.datetime(2019, 6, 2, 5),
        540,
    )


@pytest.mark.parametrize(
    ("offset", "source", "where"),
    [
        (120, "exif", BERLIN),  # the file's own offset wins, even a wrong-looking one
        (0, "exif", KYOTO),  # an EXIF +00:00 is a real offset, not UTC
        (-300, "quicktime-utc", BERLIN),  # a UTC date already made local
        (None, "filetime", BERLIN),  # the file's time is no capture time
        (None, "exif", (0.0, 0.0)),  # no real position
    ],
)
def test_what_the_rule_leaves_alone(offset, source, where) -> None:
    when = dt.datetime(2021, 7, 1, 12)
    assert time_zones.settled_time(when, offset, source, *where) is None
    assert time_zones.settled_time(None, None, "exif", *BERLIN) is None


def test_real_files_imported(corpus: Path, tmp_path: Path, capsys) -> None:
    """Through the pipeline and the export: an Android video (QuickTime's UTC date, shot in
    Berlin at 20:05 by its name), a Nikon photo from Arezzo without an EXIF offset (Italy
    was on summer time that day), a Canon photo without GPS (its time stays as it is) and a
    copy of it whose sidecar gives a place (Kyoto): the place a family set gives the zone."""
    folder = tmp_path / "in"
    folder.mkdir()
    for rel in (
        "video/VID_20211224_200500.mp4",
        "exif/exif-samples/gps/DSCN0021.jpg",
        "exif/exif-samples/cameras/Canon_40D.jpg",
    ):
        shutil.copyfile(corpus / rel, folder / Path(rel).name)
    placed = folder / "Canon_40D_kyoto.jpg"
    shutil.copyfile(corpus / "exif/exif-samples/cameras/Canon_40D.jpg", placed)
    with Image.open(placed) as image:  # other content: not a duplicate of the first
        image.rotate(180).save(placed, exif=image.info["exif"])
    write_sidecar(sidecar_beside(placed), Decisions(latitude=KYOTO[0], longitude=KYOTO[1]))
    outcomes = ingest(quick_settings(tmp_path / "library"), folder)
    assert {o.status for o in outcomes} == {"added"}, [(o.status, o.error) for o in outcomes]
    rows = export(tmp_path / "library", capsys)
    taken = {Path(f["path"]).name: r["taken_at"] for r in rows for f in r["files"]}
    assert taken == {
        "VID_20211224_200500.mp4": "2021-12-24T20:05:00+01:00",
        "DSCN0021.jpg": "2008-10-22T16:38:20+02:00",
        "Canon_40D.jpg": "2008-05-30T15:56:01",
        "Canon_40D_kyoto.jpg": "2008-05-30T15:56:01+09:00",
    }
