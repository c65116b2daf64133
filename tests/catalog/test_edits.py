"""Editing capture dates, zones and places: catalog + XMP sidecar, never the original."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from ingest_helpers import export, ingest, make_jpeg, quick_settings, sha256
from web_fixtures import Built, token

from appliance.catalog import edits, sidecars
from appliance.catalog.models import Photo
from appliance.cli import main
from appliance.library import Library


def sidecar_tags(path: Path) -> dict:
    out = subprocess.run(
        ["exiftool", "-j", "-n", "-XMP:all", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)[0]


@pytest.fixture
def library(tmp_path: Path):
    """Three imported JPEGs (one without a date); returns (library root, ids by name, paths)."""
    src = tmp_path / "card"
    src.mkdir()
    make_jpeg(src / "a.jpg", 1, "2023:07:14 17:30:05")
    make_jpeg(src / "b.jpg", 2, "2023:07:14 17:45:00")
    make_jpeg(src / "c.jpg", 3)
    root = tmp_path / "lib"
    outcomes = ingest(quick_settings(root), src, "copy")
    ids = {o.task.path.name: o.photo_id for o in outcomes}
    return root, ids


def _stored(root: Path, photo_id: int) -> Path:
    (side,) = sidecars.sidecar_paths(Library(root), photo_id)
    return side.with_name(side.name[: -len(".xmp")])


def test_set_date_and_zone_then_shift_a_selection(library, capsys) -> None:
    root, ids = library
    original = _stored(root, ids["a.jpg"])
    before = sha256(original)
    edits.set_taken_at(ids["a.jpg"], dt.datetime(2023, 7, 14, 18, 30, 5), 120)
    assert (
        edits.shift_taken_at([ids["a.jpg"], ids["b.jpg"], ids["c.jpg"]], dt.timedelta(hours=-1))
        >= 2
    )
    sidecars.flush(Library(root), everything=True)
    photo = Photo.get_by_id(ids["a.jpg"])
    assert (photo.taken_at, photo.taken_at_offset, photo.taken_at_source) == (
        dt.datetime(2023, 7, 14, 17, 30, 5),
        120,
        "manual",
    )
    assert Photo.get_by_id(ids["b.jpg"]).taken_at == dt.datetime(2023, 7, 14, 16, 45)
    tags = sidecar_tags(_stored(root, ids["a.jpg"]).with_name("a.jpg.xmp"))
    assert tags["DateTimeOriginal"] == "2023:07:14 17:30:05+02:00"
    assert tags["DateCreated"] == "2023:07:14 17:30:05+02:00"
    assert sha256(original) == before  # the original is never written
    exported = {p["id"]: p for p in export(root, capsys)}
    assert exported[ids["a.jpg"]]["taken_at"] == "2023-07-14T17:30:05+02:00"
    assert exported[ids["a.jpg"]]["taken_at_source"] == "manual"


def test_set_place_for_a_photo_without_gps(library, capsys) -> None:
    root, ids = library
    edits.set_place(ids["c.jpg"], 48.85837, 2.294481)
    sidecars.flush(Library(root), everything=True)
    (side,) = sidecars.sidecar_paths(Library(root), ids["c.jpg"])
    tags = sidecar_tags(side)
    assert tags["GPSLatitude"] == pytest.approx(48.85837)
    assert tags["GPSLongitude"] == pytest.approx(2.294481)
    exported = {p["id"]: p for p in export(root, capsys)}
    assert exported[ids["c.jpg"]]["latitude"] == pytest.approx(48.85837)
    with pytest.raises(edits.EditError):
        edits.set_place(ids["c.jpg"], 91, 0)
    with pytest.raises(edits.EditError):
        edits.set_place(424242, 1, 1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("+1h", 3600), ("-30m", -1800), ("+2d3h", 2 * 86400 + 3 * 3600), ("-1:30", -5400)],
)
def test_parse_shift(text: str, seconds: int) -> None:
    assert edits.parse_shift(text) == dt.timedelta(seconds=seconds)


def test_bad_edits_are_refused() -> None:
    with pytest.raises(edits.EditError):
        edits.parse_shift("soon")
    with pytest.raises(edits.EditError):
        edits.parse_time("yesterday")
    with pytest.raises(edits.EditError):
        edits.parse_offset("+25:00x")


def test_cli_edit_commands(library, capsys) -> None:
    root, ids = library
    lib = ["--library", str(root)]
    a, b = str(ids["a.jpg"]), str(ids["b.jpg"])
    assert main([*lib, "edit", "date", a, "--at", "2020-01-02 03:04:05", "--offset=-05:00"]) == 0
    assert main([*lib, "edit", "shift", a, b, "--by", "+1d"]) == 0
    assert main([*lib, "edit", "place", b, "--lat", "-33.8568", "--lon", "151.2153"]) == 0
    assert main([*lib, "edit", "text", b, "--title", "Opera House"]) == 0
    assert main([*lib, "edit", "shift", a, "--by", "later"]) == 1
    assert main([*lib, "edit", "date", a]) == 2
    photo = Photo.get_by_id(ids["a.jpg"])
    assert (photo.taken_at, photo.taken_at_offset) == (dt.datetime(2020, 1, 3, 3, 4, 5), -300)
    (side,) = sidecars.sidecar_paths(Library(root), ids["b.jpg"])
    tags = sidecar_tags(side)  # written before the command returned
    assert tags["GPSLatitude"] == pytest.approx(-33.8568) and tags["Title"] == "Opera House"


def test_api_patch_and_shift_date(admin: FlaskClient, web: Built) -> None:
    # the family's photo (imported by the box): an admin's to edit
    h = {"X-CSRF-Token": token(admin)}
    photo_id = web.photo_ids["misc/skimage/coffee.jpg"]
    response = admin.patch(
        f"/api/v1/photos/{photo_id}",
        json={"taken_at": "2021-05-06T07:08:09+09:00", "latitude": 35.0, "longitude": 135.7},
        headers=h,
    )
    assert response.status_code == 200, response.json
    photo = Photo.get_by_id(photo_id)
    assert (photo.taken_at, photo.taken_at_offset) == (dt.datetime(2021, 5, 6, 7, 8, 9), 540)
    assert (photo.latitude, photo.longitude, photo.place_source) == (35.0, 135.7, "manual")
    shifted = admin.post(
        "/api/v1/photos/shift-date", json={"ids": [photo_id], "by": "-2h"}, headers=h
    )
    assert shifted.json == {"updated": 1}
    assert Photo.get_by_id(photo_id).taken_at == dt.datetime(2021, 5, 6, 5, 8, 9)
    assert admin.post(
        "/api/v1/photos/shift-date", json={"ids": [photo_id], "seconds": 60}, headers=h
    ).json == {"updated": 1}
    bad = admin.patch(
        f"/api/v1/photos/{photo_id}", json={"latitude": 200, "longitude": 0}, headers=h
    )
    assert bad.status_code == 400 and "latitude" in bad.json["error"]
    assert (
        admin.patch(f"/api/v1/photos/{photo_id}", json={"taken_at": "soon"}, headers=h).status_code
        == 400
    )
    assert (
        admin.post("/api/v1/photos/shift-date", json={"ids": [photo_id]}, headers=h).status_code
        == 400
    )
    sidecars.flush(web.library, everything=True)
    (side,) = sidecars.sidecar_paths(web.library, photo_id)
    assert sidecar_tags(side)["DateTimeOriginal"] == "2021:05:06 05:09:09+09:00"
    anonymous = admin.application.test_client()
    refused = anonymous.post("/api/v1/photos/shift-date", json={"ids": [photo_id], "by": "+1h"})
    assert refused.status_code in (400, 401, 403)  # no session: no CSRF token, no user
    assert Photo.get_by_id(photo_id).taken_at == dt.datetime(2021, 5, 6, 5, 9, 9)


def test_api_refuses_bad_edits_without_writing_anything(admin: FlaskClient, web: Built) -> None:
    # the family's photo (imported by the box): an admin's to edit
    h = {"X-CSRF-Token": token(admin)}
    photo_id = web.photo_ids["misc/skimage/coffee.jpg"]
    before = Photo.get_by_id(photo_id)
    url = f"/api/v1/photos/{photo_id}"
    for body in (
        {"taken_at": "2021-05-06T07:08:09", "favorite": "yes"},  # bad flag: date not set
        {"taken_at": "2021-05-06T07:08:09", "latitude": 100, "longitude": 0},  # bad place
        {"latitude": 10, "longitude": 10, "altitude": "high"},
        {"taken_at": "2021-05-06T07:08:09", "taken_at_offset": 10_000},
        {"title": 42},
    ):
        response = admin.patch(url, json=body, headers=h)
        assert response.status_code == 400, (body, response.json)
    after = Photo.get_by_id(photo_id)
    assert (after.taken_at, after.latitude, after.title) == (
        before.taken_at,
        before.latitude,
        before.title,
    )
    for body in (
        {"ids": [photo_id], "seconds": 10**30},
        {"ids": [photo_id], "by": "+999999999999d"},
        {"ids": [photo_id], "by": "-1:99999999999999"},
    ):
        response = admin.post("/api/v1/photos/shift-date", json=body, headers=h)
        assert response.status_code == 400, (body, response.json)
    assert Photo.get_by_id(photo_id).taken_at == before.taken_at
