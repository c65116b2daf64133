"""One definition each: the HEIF MIME family behind ``type:heic``, the people listing (page,
API and CLI), the status shape (CLI and web), the photo fields (export and API). Built on
a catalogue of rows made here, so no real photos are needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from appliance.catalog.db import connect
from appliance.catalog.export import iter_export
from appliance.catalog.models import Face, Job, Person, Photo
from appliance.catalog.people import list_people
from appliance.catalog.photo_fields import SHARED_FIELDS
from appliance.catalog.queries import photo_detail, search_photos
from appliance.cli import main
from appliance.library import Library
from appliance.media.mime import HEIF_MIMES, is_heif
from appliance.search.query import parse_query
from appliance.status import status_report, web_status


@pytest.fixture
def catalog(tmp_path: Path) -> Library:
    library = Library(tmp_path / "library").ensure()
    connect(library.catalog_path)
    return library


def _photo(mime: str, kind: str = "image", minutes: int = 0) -> int:
    when = dt.datetime(2024, 5, 1, 12, 0) + dt.timedelta(minutes=minutes)
    sha = f"{abs(hash((mime, minutes))):064x}"[-64:]
    return Photo.create(mime=mime, kind=kind, sort_time=when, primary_sha256=sha).id


def test_type_heic_is_the_whole_heif_family(catalog: Library) -> None:
    mimes = [
        "image/heic",
        "image/heif",
        "image/heic-sequence",
        "image/heif-sequence",
        "image/avif",
        "image/avif-sequence",
    ]
    heif = {_photo(m, minutes=i): m for i, m in enumerate(mimes)}
    others = {_photo("image/jpeg", minutes=10), _photo("video/mp4", "video", minutes=11)}
    found = {p["id"] for p in search_photos(parse_query("type:heic")).items}
    assert found == set(heif), "type:heic must match every HEIF MIME, sequences included"
    assert not found & others
    assert set(mimes) == HEIF_MIMES and is_heif("image/heif-sequence") and not is_heif(None)
    negated = {p["id"] for p in search_photos(parse_query("-type:heic")).items}
    assert negated == others


def _people_rows() -> dict[str, int]:
    """Named, unnamed, hidden and face-less people over a few photos."""
    photos = [_photo("image/jpeg", minutes=i) for i in range(4)]
    Photo.update(width=4000, height=3000).execute()
    anna = Person.create(name="anna").id
    bert = Person.create(name="Bert").id
    unnamed = Person.create().id
    hidden = Person.create(name="Hidden", hidden=True).id
    empty = Person.create(name="Nobody").id
    layout = {anna: 2, bert: 2, unnamed: 3, hidden: 1}
    face_ids: dict[int, list[int]] = {}
    for person, n in layout.items():
        for i in range(n):
            face = Face.create(
                photo=photos[i], box_x=100, box_y=100, box_w=400, box_h=500, score=0.9
            )
            face_ids.setdefault(person, []).append(face.id)
            Face.update(person=person).where(Face.id == face.id).execute()
    Person.update(cover_face_id=face_ids[bert][1]).where(Person.id == bert).execute()
    # a stale stored count must not matter: the listing counts faces
    Person.update(face_count=99).where(Person.id == anna).execute()
    return {
        "anna": anna,
        "bert": bert,
        "unnamed": unnamed,
        "hidden": hidden,
        "empty": empty,
        "bert_cover": face_ids[bert][1],
        "anna_first": face_ids[anna][0],
    }


def test_one_people_listing(catalog: Library) -> None:
    ids = _people_rows()
    listed = list_people()
    # named first, then by faces, then by name ignoring case; no hidden, no face-less people
    assert [p.id for p in listed] == [ids["anna"], ids["bert"], ids["unnamed"]]
    assert [p.face_count for p in listed] == [2, 2, 3]
    by_id = {p.id: p for p in listed}
    bert_cover = Face.get_by_id(ids["bert_cover"]).photo.primary_sha256
    assert by_id[ids["bert"]].cover == bert_cover  # the chosen cover face
    anna_first = Face.get_by_id(ids["anna_first"]).photo.primary_sha256
    assert by_id[ids["anna"]].cover == anna_first  # else the first face
    assert by_id[ids["anna"]].crop and set(by_id[ids["anna"]].crop) == {
        "size_w",
        "size_h",
        "x",
        "y",
    }
    assert [p.id for p in list_people(include_unnamed=False)] == [ids["anna"], ids["bert"]]
    with_hidden = [p.id for p in list_people(include_hidden=True)]
    assert ids["hidden"] in with_hidden and ids["empty"] not in with_hidden
    assert listed[0].as_json() == {
        "id": ids["anna"],
        "name": "anna",
        "count": 2,
        "cover": anna_first,
        "crop": listed[0].crop,
        "face_id": ids["anna_first"],
    }


def test_api_page_and_cli_list_the_same_people(
    empty_app: Flask, empty_admin: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _people_rows()
    expected = [p.as_json() for p in list_people()]
    assert empty_admin.get("/api/v1/people").json == {"people": expected}
    page = empty_admin.get("/people").text
    assert page.index(">anna<") < page.index(">Bert<") < page.index("Add a name")
    library = empty_app.config["SHOEBOX_LIBRARY"]
    assert main(["--library", str(library.root), "people"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[0]) for line in lines] == [ids["anna"], ids["bert"], ids["unnamed"]]


def test_web_status_is_a_view_of_the_status_report(catalog: Library) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for i, state in enumerate(("pending", "pending", "running", "done", "failed")):
        Job.create(
            path=f"/inbox/{i}.jpg",
            source="inbox",
            state=state,
            error="broken" if state == "failed" else None,
            updated_at=now,
            next_attempt_at=now,
        )
    report = status_report(catalog)
    web = web_status(catalog)
    assert web["counts"] == report["queue"]
    assert web["queue"] == report["queue"]["pending"] + report["queue"]["running"] == 3
    assert web["active"] is True
    assert web["eta_seconds"] == report["eta_seconds"]
    assert web["rate_per_min"] == round(report["rate_per_second"] * 60, 1)
    assert web["errors"] == [
        {"path": e["path"], "error": e["error"], "at": e["when"]} for e in report["recent_errors"]
    ]
    assert web["errors"] and web["errors"][0]["error"] == "broken"
    assert web["daemon"] == report["daemon"] and web["backup"] == report["backup"]
    assert web["current"] == ", ".join(report["current"]) == "/inbox/2.jpg"


EXPORT_KEYS = {  # the `shoebox export` contract (issues 1-10): exactly these, no more
    "id", "status", "kind", "files", "taken_at", "taken_at_source", "camera_make",
    "camera_model", "lens", "latitude", "longitude", "altitude", "place", "orientation",
    "width", "height", "duration", "motion", "exposure_time", "f_number", "iso",
    "focal_length", "favorite", "archived", "labels", "faces", "people", "albums", "quality",
    "stack", "trashed_at", "title", "description", "rating", "place_source",
    "owner",  # wave 3 (issue 27): the member who added it, or null (the family's)
    "private",  # wave 3 (issue 26): only its owner sees it, in Private
    "edits",  # wave 3 (issue 26): the non-destructive edit's recipe, or null
    "text",  # wave 3 (issue 24): the text recognised in the picture, a string ("" none)
    "text_kind",  # wave 3 (issue 24): screenshot, document or null
}  # fmt: skip


def test_export_and_api_share_one_definition_of_the_photo_fields(catalog: Library) -> None:
    photo_id = _photo("image/heic")
    Photo.update(
        taken_at=dt.datetime(2024, 5, 1, 14, 0),
        taken_at_offset=120,
        taken_at_source="exif",
        camera_make="Apple",
        camera_model="iPhone 15",
        lens="main",
        exposure_time=0.01,
        f_number=1.8,
        iso=50,
        focal_length=6.9,
        latitude=48.8584,
        longitude=2.2945,
        altitude=35.0,
        place_country_code="FR",
        place_country="France",
        place_city="Paris",
        place_source="gps",
        orientation=6,
        width=3024,
        height=4032,
        title="Tower",
        description="evening",
        rating=5,
        trashed_at=dt.datetime(2024, 6, 1),
    ).where(Photo.id == photo_id).execute()
    exported = next(iter_export(catalog.originals))
    detail = photo_detail(photo_id)
    assert set(exported) == EXPORT_KEYS
    for name in (*SHARED_FIELDS, "place", "trashed_at"):
        assert detail[name] == exported[name], name
    assert exported["place"]["city"] == "Paris" and detail["title"] == "Tower"
    assert exported["taken_at"] == "2024-05-01T14:00:00+02:00"  # one string in the export
    assert (detail["taken_at"], detail["taken_at_offset"]) == ("2024-05-01T14:00:00", 120)
