"""Reverse geocoding of the corpus GPS positions and of positions near borders."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from place_truth import BORDER_TRUTH, CORPUS_TRUTH

from appliance.places.geocoder import Geocoder
from appliance.places.place import valid_position


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder.shared()


@pytest.fixture(scope="module")
def reference_positions(corpus: Path) -> dict[str, tuple[float, float]]:
    """GPS positions of the corpus files as ExifTool reads them (photos and videos)."""
    out = {}
    for name, prefix in (("exiftool.json", ""), ("video_exiftool.json", "video/")):
        for rec in json.loads((corpus / name).read_text()):
            lat, lon = rec.get("GPSLatitude"), rec.get("GPSLongitude")
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                out[prefix + rec["SourceFile"]] = (float(lat), float(lon))
    return out


def test_truth_table_uses_the_corpus_positions(reference_positions: dict) -> None:
    for rel, lat, lon, *_ in CORPUS_TRUTH:
        assert reference_positions[rel] == pytest.approx((lat, lon), abs=1e-9), rel


def test_every_corpus_gps_position_gets_a_country(geocoder, reference_positions) -> None:
    missing = [rel for rel, pos in reference_positions.items() if geocoder.lookup(*pos) is None]
    assert not missing


@pytest.mark.parametrize(("rel", "lat", "lon", "code", "region", "city"), CORPUS_TRUTH)
def test_corpus_photo_place(geocoder, rel, lat, lon, code, region, city) -> None:
    place = geocoder.lookup(lat, lon)
    assert place is not None, rel
    assert place.country_code == code, (rel, place)
    assert place.country == geocoder.countries[code]
    if region:
        assert place.region == region, (rel, place)
    if city:
        assert place.city == city, (rel, place)


@pytest.mark.parametrize(("what", "lat", "lon", "code", "region", "city"), BORDER_TRUTH)
def test_near_border(geocoder, what, lat, lon, code, region, city) -> None:
    place = geocoder.lookup(lat, lon)
    assert place is not None and place.country_code == code, (what, place)
    assert (place.region, place.city) == (region, city) if region else place.city == city


def test_border_beats_the_nearest_town(geocoder) -> None:
    """Kehl (DE) is the nearest GeoNames town to the French bank; the border decides."""
    here = (48.5745, 7.7880)
    kehl = geocoder.search("Kehl", limit=1)[0]
    strasbourg = geocoder.search("Strasbourg", limit=1)[0]
    assert kehl[0].country_code == "DE" and strasbourg[0].country_code == "FR"
    assert _km(here, kehl[1:]) < _km(here, strasbourg[1:])
    assert geocoder.lookup(48.5745, 7.7880).country_code == "FR"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (0, 0),
        (0.0, -0.0),
        (90.5, 10),
        (10, 180.01),
        (-91, 0),
        (math.nan, 1),
        (1, math.inf),
        (None, 1),
        ("north", 2),
        (True, 3),
    ],
)
def test_no_place_for_impossible_positions(geocoder, lat, lon) -> None:
    assert not valid_position(lat, lon)
    assert geocoder.lookup_many([(lat, lon)]) == [None]


def test_open_sea_has_no_place_but_a_desert_has_a_country(geocoder) -> None:
    assert geocoder.lookup(30.0, -40.0) is None  # mid-Atlantic
    sahara = geocoder.lookup(25.0, 10.0)
    assert sahara is not None and sahara.country_code == "DZ" and sahara.city is None


def test_many_at_once_equals_one_by_one(geocoder) -> None:
    positions = [(lat, lon) for _, lat, lon, *_ in CORPUS_TRUTH + BORDER_TRUTH] + [(0, 0)]
    assert geocoder.lookup_many(positions) == [geocoder.lookup(a, b) for a, b in positions]


def test_search_by_name_largest_first(geocoder) -> None:
    hits = geocoder.search("paris", limit=3)
    assert hits[0][0].country_code == "FR" and hits[0][0].city == "Paris"
    assert hits[0][1] == pytest.approx(48.853, abs=0.01)
    assert geocoder.search("   ") == []
    assert geocoder.search("zzzzqqq") == []
