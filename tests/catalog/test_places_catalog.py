"""Places in the catalog: geocoded on import, in the export, searchable, set by hand, and
backfilled for a library catalogued before places existed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from ingest_helpers import export, ingest, quick_settings
from place_truth import BORDER_TRUTH, CORPUS_TRUTH
from suite_env import TEST_BACKEND

from appliance.catalog import places, search_index
from appliance.catalog.db import connect
from appliance.catalog.migrations import LATEST, STEPS, current_version, migrate
from appliance.catalog.models import Photo
from appliance.catalog.queries import search_photos
from appliance.places import time_zones
from appliance.search.query import parse_query

PHOTOS = [rel for rel, *_ in CORPUS_TRUTH if not rel.startswith("video/")]
NO_GPS = "exif/exiftool/InfiRay.jpg"  # GPS tags present but empty
EXIFTOOL = shutil.which("exiftool")
BASE = "exif/exif-samples/gps/DSCN0021.jpg"
KYOTO = (35.0116, 135.7681)


def _with_gps(src: Path, dst: Path, lat: float, lon: float) -> None:
    """A real photo whose GPS ExifTool rewrote (the corpus has no photo at a border)."""
    shutil.copyfile(src, dst)
    subprocess.run(
        [
            EXIFTOOL,
            "-q",
            "-overwrite_original",
            f"-GPSLatitude={abs(lat)}",
            f"-GPSLatitudeRef={'N' if lat >= 0 else 'S'}",
            f"-GPSLongitude={abs(lon)}",
            f"-GPSLongitudeRef={'E' if lon >= 0 else 'W'}",
            str(dst),
        ],
        check=True,
    )


@pytest.fixture(scope="module")
def indexed(corpus: Path, tmp_path_factory: pytest.TempPathFactory, capsys_module=None):
    if EXIFTOOL is None:
        pytest.skip("exiftool is not installed")
    root = tmp_path_factory.mktemp("places")
    folder = root / "photos"
    folder.mkdir()
    names: dict[str, tuple] = {}
    for rel, *truth in CORPUS_TRUTH:
        if rel.startswith("video/"):
            continue
        name = rel.replace("/", "__")
        shutil.copyfile(corpus / rel, folder / name)
        names[name] = tuple(truth[2:])
    shutil.copyfile(corpus / NO_GPS, folder / "no_gps.jpg")
    names["no_gps.jpg"] = (None, None, None)
    _with_gps(corpus / BASE, folder / "zero_zero.jpg", 0.0, 0.0)
    names["zero_zero.jpg"] = (None, None, None)
    for i, (_, lat, lon, code, region, city) in enumerate(BORDER_TRUTH):
        _with_gps(corpus / BASE, folder / f"border_{i}.jpg", lat, lon)
        names[f"border_{i}.jpg"] = (code, region, city)
    library = root / "lib"
    outcomes = ingest(quick_settings(library), folder)
    failed = [(o.task.path.name, o.error) for o in outcomes if o.status == "failed"]
    assert {o.status for o in outcomes} <= {"added", "duplicate"}, failed
    return library, names


@pytest.fixture
def catalog(indexed):
    library, _ = indexed
    db = connect(library / "catalog.db")
    yield db
    db.close()


def test_export_has_the_place_of_every_photo(indexed, capsys) -> None:
    library, names = indexed
    rows = export(library, capsys)
    by_name = {Path(f["path"]).name: r for r in rows for f in r["files"]}
    for name, (code, region, city) in names.items():
        place = by_name[name]["place"]
        if code is None:
            assert place is None, (name, place)
            continue
        assert place is not None and place["country_code"] == code, (name, place)
        assert set(place) == {"country_code", "country", "region", "city"}
        if region:
            assert place["region"] == region, (name, place)
        if city:
            assert place["city"] == city, (name, place)


def test_zero_zero_photo_keeps_its_gps_but_gets_no_place(indexed, capsys) -> None:
    library, _ = indexed
    rows = export(library, capsys)
    zero = next(r for r in rows if any(f["path"].endswith("zero_zero.jpg") for f in r["files"]))
    assert zero["place"] is None


def _names(query: str) -> set[str]:
    page = search_photos(parse_query(query), limit=200)
    ids = [p["id"] for p in page.items]
    return {f.original_name for p in Photo.select().where(Photo.id.in_(ids)) for f in p.files}


def test_search_by_city_region_and_country(catalog) -> None:
    arezzo = {"exif__exif-samples__gps__DSCN0010.jpg", "exif__exif-samples__gps__DSCN0042.jpg"}
    assert _names("arezzo") == arezzo
    assert _names("Arezzo") == _names("place:arezzo") == arezzo
    assert _names("italy") == arezzo
    assert _names("place:IT") == arezzo
    us = _names("usa")
    assert us == _names("place:US") == _names('"United States"')
    assert {n for n in us} == {
        "exif__immich__dates__datetimeoriginal-gps.jpg",
        "exif__immich__gps-position__thompson-springs.jpg",
        "heif__exif-samples__IMG_5195.HEIC",
        "border_3.jpg",
    }
    assert _names("uk") == {"exif__exiftool__GPS.jpg"}
    assert _names("colorado") == us - {"heif__exif-samples__IMG_5195.HEIC", "border_3.jpg"}
    assert "border_0.jpg" in _names("strasbourg") and "border_0.jpg" not in _names("germany")


def test_place_combines_with_the_rest_of_the_language(catalog) -> None:
    germany = _names("place:germany")
    assert "exif__photoprism__IMG_4120.JPG" in germany and "border_1.jpg" in germany
    assert _names("place:germany -place:hesse") == germany - {
        "exif__photoprism__IMG_4120.JPG",
        "exif__photoprism__IMG_4120 (1).JPG",
        "exif__photoprism__IMG_4120 copy.JPG",
    }
    assert _names("place:US camera:apple") == {"heif__exif-samples__IMG_5195.HEIC"}
    assert _names("place:nowhere") == set()


def test_places_listing_counts(catalog) -> None:
    countries = {c["country_code"]: c for c in places.list_countries()}
    assert countries["IT"]["count"] == 2 and countries["IT"]["country"] == "Italy"
    assert countries["US"]["count"] == 4
    assert countries["IT"]["cover"]["sha256"]
    cities = places.list_cities("it")
    assert [(c["region"], c["city"], c["count"]) for c in cities] == [("Tuscany", "Arezzo", 2)]


def test_set_place_by_hand_and_backfill_leaves_it(catalog) -> None:
    photo = (
        Photo.select()
        .join_from(Photo, Photo.files.rel_model)
        .where(Photo.files.rel_model.original_name == "no_gps.jpg")
        .get()
    )
    assert places.photo_place(photo.id) is None
    assert places.set_place([photo.id], 48.8584, 2.2945) == 1
    place = places.photo_place(photo.id)
    assert place is not None and (place.country_code, place.city) == ("FR", "Paris")
    Photo.update(places_version=0).where(Photo.id == photo.id).execute()
    places.backfill_all()
    again = Photo.get_by_id(photo.id)
    assert again.place_source == "manual" and again.place_city == "Paris"
    with pytest.raises(ValueError):
        places.set_place([photo.id], 0, 0)


@pytest.mark.skipif(
    TEST_BACKEND != "sqlite", reason="builds an old catalogue from a copy of the SQLite file"
)
def test_old_library_is_geocoded_by_the_background_job(indexed, tmp_path) -> None:
    library, names = indexed
    old = tmp_path / "catalog.db"
    with sqlite3.connect(library / "catalog.db") as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    db = connect(old)
    # make it a catalog of the schema before places: no place columns
    places_step = next(v for v, step in STEPS.items() if step.__name__.endswith("_places"))
    db.execute_sql("DROP INDEX IF EXISTS photo_place_country_code")
    for column in places.PLACE_COLUMNS:  # the search step's indexes (a later step) go too
        db.execute_sql(f"DROP INDEX IF EXISTS photo_lower_{column}")
    for trigger in search_index.TRIGGERS:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    for column in (*places.PLACE_COLUMNS, "place_source", "places_version"):
        db.execute_sql(f"ALTER TABLE photo DROP COLUMN {column}")
    db.execute_sql("DELETE FROM schema_version")
    db.execute_sql("INSERT INTO schema_version (version) VALUES (?)", (places_step - 1,))
    assert current_version(db) == places_step - 1
    migrate(db)
    assert current_version(db) == LATEST >= places_step
    assert Photo.select().where(Photo.place_country_code.is_null(False)).count() == 0
    assert places.backfill(batch=5) == 5
    places.backfill_all()
    assert places.backfill() == 0
    got = {f.original_name: p.place_country_code for p in Photo.select() for f in p.files}
    for name, (code, *_rest) in names.items():
        if name != "no_gps.jpg":  # placed by hand in another test of this module
            assert got[name] == code, name
    db.close()


def test_a_library_catalogued_before_time_zones_gets_them_in_the_background(catalog) -> None:
    """Photos geocoded by the first places version: a wall-clock time without an offset gets
    its place's offset; a phone video's UTC time becomes local (and sorts there); a date a
    family typed is left alone."""
    placed = list(
        Photo.select()
        .where(Photo.latitude.is_null(False) & (Photo.taken_at_source == "exif"))
        .order_by(Photo.id)
        .limit(3)
    )
    assert len(placed) == 3
    wall, utc, typed = placed
    Photo.update(taken_at_offset=None, places_version=1).where(Photo.id == wall.id).execute()
    Photo.update(
        taken_at_source="quicktime-utc", taken_at_offset=0, places_version=1, sort_time=utc.taken_at
    ).where(Photo.id == utc.id).execute()
    Photo.update(taken_at_source="manual", taken_at_offset=None, places_version=1).where(
        Photo.id == typed.id
    ).execute()
    places.backfill_all()
    got_wall, got_utc, got_typed = (Photo.get_by_id(p.id) for p in placed)
    assert got_wall.taken_at == wall.taken_at
    expected = time_zones.offset_of_wall_time(wall.taken_at, wall.latitude, wall.longitude)
    assert got_wall.taken_at_offset == expected is not None
    local, offset = time_zones.local_from_utc(utc.taken_at, utc.latitude, utc.longitude)
    assert (got_utc.taken_at, got_utc.taken_at_offset, got_utc.sort_time) == (local, offset, local)
    # a typed date without an offset is a wall-clock time too: it keeps its time, gains the zone
    assert got_typed.taken_at == typed.taken_at and got_typed.taken_at_offset is not None
    assert places.backfill() == 0  # done once: the next round finds nothing


def test_a_place_set_by_hand_gives_the_time_its_zone(catalog) -> None:
    photo = Photo.select().where(Photo.taken_at_source == "exif").order_by(Photo.id.desc()).first()
    assert photo is not None
    Photo.update(taken_at_offset=None, latitude=None, longitude=None).where(
        Photo.id == photo.id
    ).execute()
    places.set_place([photo.id], *KYOTO)
    again = Photo.get_by_id(photo.id)
    assert (again.taken_at, again.taken_at_offset) == (photo.taken_at, 540)
