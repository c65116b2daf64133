"""Memories, trash and stacks through the web API, on a library of generated dated shots."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ingest_helpers import ingest, quick_settings
from moments_helpers import blurred, sharp, write_shot
from pg_server import copy_catalog
from web_fixtures import PASSWORD, sign_in, token

from appliance.catalog import trash
from appliance.catalog.db import open_catalog
from appliance.catalog.models import File, Photo, Stack
from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.library import Library
from appliance.web import create_app

# name -> (corpus source, EXIF date, transform)
SHOTS = {
    "y2021": ("misc/skimage/chelsea.jpg", "2021:07:14 10:00:00", sharp),
    "y2019": ("misc/skimage/coffee.jpg", "2019:07:14 18:00:00", sharp),
    "y2019_dup": ("misc/skimage/coffee.jpg", "2019:07:14 18:00:02", blurred),
    "day_before": ("misc/dlib/giraffe.jpg", "2022:07:13 23:59:00", sharp),
    "day_after": ("misc/dlib/eagle.jpg", "2022:07:15 00:01:00", sharp),
    "this_year": ("exif/exif-samples/gps/DSCN0010.jpg", "2024:07:14 09:00:00", sharp),
    "later_year": ("misc/immich/albums/nature/prairie_falcon.jpg", "2025:07:14 09:00:00", sharp),
    "trashed": ("faces/face_recognition/two_people.jpg", "2020:07:14 12:00:00", sharp),
    "archived": ("faces/face_recognition/biden.jpg", "2018:07:14 12:00:00", sharp),
    "other": ("misc/dlib/mmod_cars_test_image.jpg", "2017:03:01 12:00:00", sharp),
}


@pytest.fixture(scope="module")
def template(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("moments_web")
    for name, (source, date, transform) in SHOTS.items():
        write_shot(corpus / source, root / "card" / f"{name}.jpg", date, transform)
    ingest(quick_settings(root / "library"), root / "card", policy="copy")
    return root / "library"


@pytest.fixture
def library(template: Path, tmp_path: Path) -> Library:
    root = tmp_path / "library"
    shutil.copytree(template, root)
    copy_catalog(template / "catalog.db", root / "catalog.db")
    return Library(root)


@pytest.fixture
def app(library: Library) -> Flask:
    settings = Settings(library=library.root, setup_file=library.root / "none.toml", workers=1)
    app = create_app(settings, library)
    create_user("alice", PASSWORD, "admin")
    create_user("bob", PASSWORD, "member")
    return app


def _client(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, who).status_code == 302
    return client


def ids() -> dict[str, int]:
    return {Path(f.original_name).stem: f.photo_id for f in File.select() if f.original_name}


def test_on_this_day_is_exactly_that_calendar_day_of_earlier_years(app: Flask) -> None:
    p = ids()
    admin, member = _client(app, "alice"), _client(app, "bob")
    h = {"X-CSRF-Token": token(admin)}
    assert admin.delete(f"/api/v1/photos/{p['trashed']}", headers=h).status_code == 200
    archive = admin.patch(f"/api/v1/photos/{p['archived']}", json={"archived": True}, headers=h)
    assert archive.status_code == 200
    response = member.get("/api/v1/memories?date=2024-07-14")
    assert response.status_code == 200
    assert list(response.json) == ["memories"]
    memories = response.json["memories"]
    print("\non this day 2024-07-14:", memories)
    for memory in memories:
        assert set(memory) == {"title", "year", "photos"}
    assert [m["year"] for m in memories] == [2021, 2019]
    assert memories[0]["photos"] == [p["y2021"]]
    assert memories[1]["photos"] == [p["y2019"]]  # its blurred near-duplicate is left out
    assert Photo.get_by_id(p["y2019"]).stack_id == Photo.get_by_id(p["y2019_dup"]).stack_id
    for memory in memories:
        for photo_id in memory["photos"]:
            taken = Photo.get_by_id(photo_id).sort_time
            assert (taken.month, taken.day) == (7, 14) and taken.year < 2024
    assert member.get("/api/v1/memories?date=2017-03-01").json == {"memories": []}
    assert member.get("/api/v1/memories?date=2018-03-01").json["memories"][0]["year"] == 2017
    for bad in ("2024-13-01", "yesterday", "2024-02-30"):
        assert member.get(f"/api/v1/memories?date={bad}").status_code == 400
    timeline = member.get("/").text
    assert 'id="memories"' in timeline or dt.date.today().strftime("%m-%d") != "07-14"


def test_trash_restore_and_empty_follow_the_permission_table(app: Flask, library: Library) -> None:
    p = ids()
    admin, member = _client(app, "alice"), _client(app, "bob")
    ha, hm = {"X-CSRF-Token": token(admin)}, {"X-CSRF-Token": token(member)}
    victim = p["y2021"]
    stored = library.originals / File.get(File.photo == victim).stored_path
    album = admin.post(
        "/api/v1/albums", json={"title": "Summer", "photo_ids": [victim]}, headers=ha
    )
    album_id = album.json["id"]
    share = admin.post(f"/api/v1/albums/{album_id}/shares", json={}, headers=ha).json

    # the family's photo (imported, no owner): an admin's to trash, not a member's
    assert member.delete(f"/api/v1/photos/{victim}", headers=hm).status_code == 403
    assert admin.delete(f"/api/v1/photos/{victim}", headers=ha).json == {"trashed": victim}
    assert (
        not stored.exists()
        and (trash.trash_root(library) / stored.relative_to(library.originals)).is_file()
    )
    timeline = {i["id"] for i in member.get("/api/v1/photos?limit=200").json["items"]}
    assert victim not in timeline
    assert victim not in {i["id"] for i in member.get("/api/v1/photos?q=chelsea").json["items"]}
    assert member.get(f"/api/v1/photos?q=album:%23{album_id}").json["items"] == []
    assert member.get(f"{share['path']}/photos.json").json["items"] == []
    sha = Photo.get_by_id(victim).primary_sha256
    assert member.get(f"{share['path']}/thumb/grid/{sha}.jpg").status_code == 404
    years = [m["year"] for m in member.get("/api/v1/memories?date=2024-07-14").json["memories"]]
    assert years == [2020, 2019, 2018]  # 2021's only photo is in the trash
    assert member.get(f"/api/v1/photos/{victim}").status_code == 404
    in_trash = member.get("/api/v1/photos?view=trash").json["items"]
    assert [i["id"] for i in in_trash] == [victim]
    assert member.delete(f"/api/v1/photos/{victim}", headers=hm).status_code == 404

    assert member.post(f"/api/v1/photos/{victim}/restore", headers=hm).json == {"restored": victim}
    assert stored.is_file() and victim in {
        i["id"] for i in member.get("/api/v1/photos?limit=200").json["items"]
    }
    assert member.get(f"{share['path']}/photos.json").json["items"][0]["id"] == victim

    admin.delete(f"/api/v1/photos/{victim}", headers=ha)
    assert member.delete("/api/v1/trash", headers=hm).status_code == 403
    assert admin.delete("/api/v1/trash", headers=ha).json == {"deleted": 1}
    assert Photo.get_or_none(Photo.id == victim) is None
    assert not any(trash.trash_root(library).rglob("*.jpg"))
    assert admin.post(f"/api/v1/photos/{victim}/restore", headers=ha).status_code == 404

    # albums: a member may trash only the albums they created
    assert member.delete(f"/api/v1/albums/{album_id}", headers=hm).status_code == 403
    own = member.post("/api/v1/albums", json={"title": "Bob's"}, headers=hm).json["id"]
    assert member.delete(f"/api/v1/albums/{own}", headers=hm).status_code == 200
    assert own not in {a["id"] for a in member.get("/api/v1/albums").json["albums"]}
    assert member.get(f"/api/v1/albums/{own}").status_code == 404
    assert member.post(f"/api/v1/albums/{own}/restore", headers=hm).status_code == 200
    assert admin.delete(f"/api/v1/albums/{album_id}", headers=ha).status_code == 200
    assert member.get(share["path"]).status_code == 404  # its share link is dead
    assert member.get("/api/v1/trash").json["albums"] == [{"id": album_id, "title": "Summer"}]
    for page in ("/trash", "/duplicates"):
        assert member.get(page).status_code == 200


def test_trash_survives_a_crash_between_catalog_and_file_move(library: Library) -> None:
    open_catalog(library.catalog_path)
    p = ids()
    first, second = p["day_before"], p["day_after"]
    path_first = library.originals / File.get(File.photo == first).stored_path
    # crash after the catalog said "trashed" but before the file moved
    yesterday = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
    Photo.update(trashed_at=yesterday).where(Photo.id == first).execute()
    # crash after "restored" was committed but before the file moved back
    trash.trash_photos(library, [second])
    Photo.update(trashed_at=None).where(Photo.id == second).execute()
    path_second = library.originals / File.get(File.photo == second).stored_path
    assert path_first.is_file() and not path_second.exists()
    trash.reconcile(library)
    assert not path_first.exists()
    assert (trash.trash_root(library) / path_first.relative_to(library.originals)).is_file()
    assert path_second.is_file()
    # older than 30 days: purged at the next start, rows and file
    Photo.update(trashed_at=dt.datetime(2000, 1, 1)).where(Photo.id == first).execute()
    trash.reconcile(library)
    assert Photo.get_or_none(Photo.id == first) is None
    assert not any(trash.trash_root(library).rglob("*.jpg"))


def test_stack_api_choose_cover_unstack_and_export(app: Flask, capsys) -> None:  # noqa: ANN001
    p = ids()
    member = _client(app, "bob")
    h = {"X-CSRF-Token": token(member)}
    stack_id = Photo.get_by_id(p["y2019"]).stack_id
    data = member.get(f"/api/v1/stacks/{stack_id}").json
    assert data["best"] == p["y2019"] and {x["id"] for x in data["photos"]} == {
        p["y2019"],
        p["y2019_dup"],
    }
    tiles = member.get("/api/v1/photos?limit=200").json["items"]
    shown = [t for t in tiles if t["stack"]]
    assert [t["id"] for t in shown] == [p["y2019"]] and shown[0]["stack"]["count"] == 2
    assert p["y2019_dup"] not in {t["id"] for t in tiles}
    chosen = member.post(
        f"/api/v1/stacks/{stack_id}/cover", json={"photo_id": p["y2019_dup"]}, headers=h
    ).json
    assert chosen["best"] == chosen["cover"] == p["y2019_dup"]
    assert (
        member.post(
            f"/api/v1/stacks/{stack_id}/cover", json={"photo_id": p["other"]}, headers=h
        ).status_code
        == 400
    )
    assert (
        member.post(
            f"/api/v1/stacks/{stack_id}/cover", json={"photo_id": "x"}, headers=h
        ).status_code
        == 400
    )
    assert member.get("/api/v1/stacks/999999").status_code == 404
    assert member.get(f"/stacks/{stack_id}").status_code == 200

    from appliance.cli import main

    capsys.readouterr()
    assert (
        main(["--library", str(Library(Path(app.config["SHOEBOX_LIBRARY"].root)).root), "export"])
        == 0
    )
    import json

    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert records[p["y2019"]]["stack"] == {"id": stack_id, "best": p["y2019_dup"]}
    assert records[p["other"]]["stack"] is None
    assert all(isinstance(r["quality"], float) for r in records.values() if r["status"] == "ok")

    assert member.delete(f"/api/v1/stacks/{stack_id}/photos/{p['y2019']}", headers=h).json == {
        "unstacked": p["y2019"]
    }
    assert Stack.get_or_none(Stack.id == stack_id) is None  # one photo left: no stack
    assert Photo.get_by_id(p["y2019_dup"]).stack_id is None


def test_best_of_and_events(app: Flask) -> None:
    p = ids()
    member = _client(app, "bob")
    best = member.get("/api/v1/best?year=2019").json
    assert [i["id"] for i in best["items"]] == [p["y2019"]] and best["title"] == "Best of 2019"
    events = member.get("/api/v1/events?year=2022").json["events"]
    assert [e["title"] for e in events] == ["13 July 2022", "15 July 2022"]
    assert member.get("/api/v1/best?year=abc").status_code == 400
    assert member.get("/api/v1/best?year=2019&month=13").status_code == 400
    assert member.get("/best?year=2019").status_code == 200


def test_cli_backfills_hashes_and_stacks_from_the_thumbnail_cache(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    """A library catalogued before moments: `shoebox moments` measures every photo from its
    cached grid thumbnail (no original is read) and stacks them."""
    from appliance.catalog.models import PhotoHash
    from appliance.cli import main

    open_catalog(library.catalog_path)
    p = ids()
    PhotoHash.delete().execute()
    Stack.delete().execute()
    Photo.update(quality=None, quality_features=None, stack_id=None, stack_hidden=False).execute()
    for f in File.select():  # the originals are not needed
        (library.originals / f.stored_path).rename(library.root / f"aside-{f.id}")
    capsys.readouterr()
    code = main(["--library", str(library.root), "moments", "--on-this-day", "2024-07-14"])
    out = capsys.readouterr().out
    print(out)
    assert code == 0 and f"measured {len(p)} photos" in out and '"memories"' in out
    open_catalog(library.catalog_path)
    assert Photo.select().where(Photo.quality.is_null()).count() == 0
    assert Photo.get_by_id(p["y2019"]).stack_id == Photo.get_by_id(p["y2019_dup"]).stack_id
    assert Photo.get_by_id(p["y2019"]).stack_id is not None


def test_archiving_the_shown_photo_of_a_stack_shows_another(app: Flask) -> None:
    p = ids()
    admin = _client(app, "alice")
    h = {"X-CSRF-Token": token(admin)}
    assert Photo.get_by_id(p["y2019"]).stack_hidden is False
    response = admin.patch(f"/api/v1/photos/{p['y2019']}", json={"archived": True}, headers=h)
    assert response.status_code == 200
    tiles = {t["id"] for t in admin.get("/api/v1/photos?limit=200").json["items"]}
    assert p["y2019_dup"] in tiles and p["y2019"] not in tiles


def test_a_day_without_memories_shows_that_week_in_earlier_years(app: Flask) -> None:
    """Two days after 14 July nothing was taken in any year: the timeline's memories fall
    back to the week around it, and a memory opens as the grid of its days."""
    from appliance.web.moments import memory_cards

    p = ids()
    member = _client(app, "bob")
    assert member.get("/api/v1/memories?date=2024-07-16").json == {"memories": []}
    with app.test_request_context():
        cards = memory_cards(dt.date(2024, 7, 16))
    # 2022's two photos (13 and 15 July) make one memory, newest year first
    assert [c["title"].split(" · ")[0] for c in cards] == [
        f"{n} years ago this week" for n in (2, 3, 4, 5, 6)
    ]
    opened = member.get(cards[0]["href"].replace("/search?", "/api/v1/photos?")).json["items"]
    assert {i["id"] for i in opened} == {p["day_before"], p["day_after"]}
    with app.test_request_context():
        same_day = memory_cards(dt.date(2024, 7, 14))
    assert same_day[0]["title"].startswith("3 years ago · ")  # its own day first


def test_a_search_shows_a_stack_once_at_the_photo_that_matched(app: Flask) -> None:
    """Search results and filters (favourites, a person's page) show a stack as one tile:
    at its shown photo when that matches, else at the photo that matched; an album lists
    every photo put in it. The viewer's next/previous steps over the stack's others."""
    from appliance.catalog.albums import create_album
    from appliance.catalog.queries import count_photos, neighbours
    from appliance.search.query import parse_query

    p = ids()
    admin = _client(app, "alice")
    h = {"X-CSRF-Token": token(admin)}
    stack = Photo.get_by_id(p["y2019"]).stack_id
    assert stack and Photo.get_by_id(p["y2019_dup"]).stack_id == stack

    def tiles(q: str) -> list[dict]:
        return admin.get("/api/v1/photos", query_string={"q": q, "limit": 200}).json["items"]

    in_2019 = tiles("year:2019")
    assert [t["id"] for t in in_2019] == [p["y2019"]]
    assert in_2019[0]["stack"] == {"id": stack, "count": 2}
    assert count_photos(parse_query("year:2019")) == 1

    # only the hidden one matches: the stack shows at it
    admin.patch(f"/api/v1/photos/{p['y2019_dup']}", json={"favorite": True}, headers=h)
    assert [t["id"] for t in tiles("favorite:yes")] == [p["y2019_dup"]]
    admin.patch(f"/api/v1/photos/{p['y2019']}", json={"favorite": True}, headers=h)
    assert [t["id"] for t in tiles("favorite:yes")] == [p["y2019"]]

    # paged one photo at a time, the stack still comes once
    seen, cursor = [], None
    while True:
        args = {"q": "year:2019 OR year:2021", "limit": 1} | ({"cursor": cursor} if cursor else {})
        page = admin.get("/api/v1/photos", query_string=args).json
        seen += [t["id"] for t in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == [p["y2021"], p["y2019"]]

    query = parse_query("year:2019 OR year:2021")
    assert neighbours(Photo.get_by_id(p["y2021"]), query) == (None, p["y2019"])
    assert neighbours(Photo.get_by_id(p["y2019"]), query) == (p["y2021"], None)

    album = create_album("Coffee", photo_ids=[p["y2019"], p["y2019_dup"]])
    assert {t["id"] for t in tiles(f"album:#{album.id}")} == {p["y2019"], p["y2019_dup"]}
