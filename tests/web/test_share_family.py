"""Share links for a family: the address they use, passwords, expiry, a zip for visitors,
and nothing of the owner's leaking to visitors."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import Built, token

from appliance.catalog.app_settings import SettingError, set_share_base_url
from appliance.catalog.models import Photo, ShareLink

CHELSEA, COFFEE = "misc/skimage/chelsea.jpg", "misc/skimage/coffee.jpg"
TWO = "faces/face_recognition/two_people.jpg"


def h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def share_album(client: FlaskClient, web: Built, paths: list[str], **options: object) -> dict:
    album = client.post(
        "/api/v1/albums",
        json={"title": "Holiday", "photo_ids": [web.photo_ids[p] for p in paths]},
        headers=h(client),
    ).json["id"]
    share = client.post(f"/api/v1/albums/{album}/shares", json=options, headers=h(client))
    assert share.status_code == 201, share.json
    return share.json | {"album": album}


def csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_share_base_url_setting_shapes_links(
    admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    assert admin.get("/api/v1/settings").json == {
        "share_base_url": None,
        "timeline_hides_screenshots": False,  # issue 24's defaults
        "memories_hide_screenshots": True,
    }
    assert member.get("/api/v1/settings").status_code == 403
    assert (
        member.patch(
            "/api/v1/settings", json={"share_base_url": "https://x.org"}, headers=h(member)
        ).status_code
        == 403
    )
    saved = admin.patch(
        "/api/v1/settings", json={"share_base_url": "https://photos.example.org/"}, headers=h(admin)
    )
    assert saved.status_code == 200 and saved.json["share_base_url"] == (
        "https://photos.example.org"
    )
    share = share_album(member, web, [CHELSEA])
    assert share["url"] == "https://photos.example.org" + share["path"]
    page = member.get(f"/albums/{share['album']}").text
    assert f'value="https://photos.example.org{share["path"]}"' in page
    assert 'id="share-base-url"' in admin.get("/settings").text
    for bad in (
        "ftp://x.org",
        "photos.example.org",
        "https://x.org/?a=1",
        "https://u:p@x.org",
        "http://",
    ):
        r = admin.patch("/api/v1/settings", json={"share_base_url": bad}, headers=h(admin))
        assert r.status_code == 400, bad
    with pytest.raises(SettingError):
        set_share_base_url("javascript:alert(1)")
    admin.patch("/api/v1/settings", json={"share_base_url": ""}, headers=h(admin))
    assert share_album(member, web, [CHELSEA])["url"].startswith("http://localhost/s/")


def test_password_protected_link(app: Flask, member: FlaskClient, web: Built) -> None:
    share = share_album(member, web, [CHELSEA], password="tarte tatin")
    assert share["password"] is True
    stored = ShareLink.get_by_id(share["id"]).password_hash
    assert stored and "tarte" not in stored  # hashed
    guest = app.test_client()
    lock = guest.get(share["path"])
    assert lock.status_code == 401 and "needs a password" in lock.text
    assert guest.get(share["path"] + "/photos.json").status_code == 401
    sha = Photo.get_by_id(web.photo_ids[CHELSEA]).primary_sha256
    assert guest.get(f"{share['path']}/thumb/grid/{sha}.jpg").status_code == 401
    wrong = guest.post(share["path"], data={"password": "nope", "csrf_token": csrf(lock.text)})
    assert wrong.status_code == 401 and "not right" in wrong.text
    ok = guest.post(share["path"], data={"password": "tarte tatin", "csrf_token": csrf(lock.text)})
    assert ok.status_code == 303
    assert guest.get(share["path"]).status_code == 200
    assert [i["id"] for i in guest.get(share["path"] + "/photos.json").json["items"]] == [
        web.photo_ids[CHELSEA]
    ]
    # another visitor still needs it; too many wrong tries are refused for a while
    other = app.test_client()
    page = other.get(share["path"]).text
    for _ in range(5):
        other.post(share["path"], data={"password": "x", "csrf_token": csrf(page)})
    assert (
        other.post(
            share["path"], data={"password": "tarte tatin", "csrf_token": csrf(page)}
        ).status_code
        == 429
    )
    short = member.post(
        f"/api/v1/albums/{share['album']}/shares", json={"password": "ab"}, headers=h(member)
    )
    assert short.status_code == 400


def test_expired_link_is_gone(app: Flask, member: FlaskClient, web: Built) -> None:
    share = share_album(member, web, [CHELSEA], expires_days=1)
    guest = app.test_client()
    assert guest.get(share["path"]).status_code == 200
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
    ShareLink.update(expires_at=past).where(ShareLink.id == share["id"]).execute()
    assert guest.get(share["path"]).status_code == 404
    assert guest.get(share["path"] + "/photos.json").status_code == 404


def test_download_zip_only_when_allowed(
    app: Flask, member: FlaskClient, web: Built, corpus: Path
) -> None:
    closed = share_album(member, web, [CHELSEA, COFFEE])
    guest = app.test_client()
    assert "Download all" not in guest.get(closed["path"]).text
    assert guest.get(closed["path"] + "/download.zip").status_code == 403
    share = share_album(member, web, [CHELSEA, COFFEE], allow_download=True)
    assert share["allow_download"] is True
    assert "Download all" in guest.get(share["path"]).text
    # an archived photo of the album is not the visitors'
    Photo.update(archived=True).where(Photo.id == web.photo_ids[COFFEE]).execute()
    response = guest.get(share["path"] + "/download.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["chelsea.jpg"]
    assert archive.read("chelsea.jpg") == (corpus / CHELSEA).read_bytes()


def test_visitors_get_jpegs_any_computer_opens_and_save_one_photo(
    app: Flask, member: FlaskClient, web: Built, corpus: Path
) -> None:
    """Grandma's PC cannot open HEIC: the zip comes as JPEGs on request (a JPEG stays the
    same file), and the lightbox saves one photo at a time, as a JPEG."""
    from PIL import Image

    cat = "heif/pillow_heif/cat.hif"
    share = share_album(member, web, [CHELSEA, cat], allow_download=True)
    guest = app.test_client()
    page = guest.get(share["path"]).text
    assert "Download all (JPEG, opens anywhere)" in page and "lb-save" in page
    assert 'data-save="/s/' in page
    response = guest.get(share["path"] + "/download.zip?as=jpeg")
    assert response.status_code == 200
    assert "Holiday (JPEG).zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["cat.jpg", "chelsea.jpg"]
    assert archive.read("chelsea.jpg") == (corpus / CHELSEA).read_bytes()
    photo = Photo.get_by_id(web.photo_ids[cat])
    with Image.open(io.BytesIO(archive.read("cat.jpg"))) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (photo.width, photo.height)
    originals = zipfile.ZipFile(io.BytesIO(guest.get(share["path"] + "/download.zip").data))
    assert sorted(originals.namelist()) == ["cat.hif", "chelsea.jpg"]

    one = guest.get(f"{share['path']}/photo/{photo.primary_sha256}?as=jpeg")
    assert one.status_code == 200 and one.mimetype == "image/jpeg"
    assert "filename=cat.jpg" in one.headers["Content-Disposition"]
    assert one.headers["Content-Disposition"].startswith("attachment")
    original = guest.get(f"{share['path']}/photo/{photo.primary_sha256}")
    assert original.status_code == 200 and original.data == (corpus / cat).read_bytes()
    chelsea = Photo.get_by_id(web.photo_ids[CHELSEA]).primary_sha256
    same = guest.get(f"{share['path']}/photo/{chelsea}?as=jpeg")
    assert same.data == (corpus / CHELSEA).read_bytes()  # a JPEG is sent as it is
    coffee = Photo.get_by_id(web.photo_ids[COFFEE]).primary_sha256
    assert guest.get(f"{share['path']}/photo/{coffee}").status_code == 404  # not in the album
    assert guest.get(f"{share['path']}/photo/not-a-hash").status_code in (400, 404)
    closed = share_album(member, web, [CHELSEA])
    assert guest.get(f"{closed['path']}/photo/{chelsea}").status_code == 403
    assert "lb-save" not in guest.get(closed["path"]).text


def test_nothing_of_the_owners_leaks_to_visitors(
    app: Flask, member: FlaskClient, web: Built
) -> None:
    member.patch(
        f"/api/v1/photos/{web.photo_ids[CHELSEA]}", json={"favorite": True}, headers=h(member)
    )
    share = share_album(member, web, [CHELSEA, TWO, COFFEE])
    Photo.update(archived=True).where(Photo.id == web.photo_ids[COFFEE]).execute()
    guest = app.test_client()
    page = guest.get(share["path"]).text
    items = guest.get(share["path"] + "/photos.json").json["items"]
    assert {i["id"] for i in items} == {web.photo_ids[CHELSEA], web.photo_ids[TWO]}
    for item in items:
        assert set(item) <= {"id", "sha256", "time", "kind", "width", "height", "duration"}
        assert "favorite" not in item and "stack" not in item
    assert "Joe Biden" not in page and "favorite" not in page.lower()
    from appliance.catalog.models import Face

    face = Face.select().where(Face.photo == web.photo_ids[TWO]).first()
    for url in (
        f"/media/face/{face.id}.jpg",
        "/api/v1/search/suggest?q=jo",
        "/people/unknown",
        f"/api/v1/faces/{face.id}/names",
        "/api/v1/settings",
    ):
        assert guest.get(url).status_code in (302, 401), url
    coffee = Photo.get_by_id(web.photo_ids[COFFEE]).primary_sha256
    assert guest.get(f"{share['path']}/thumb/grid/{coffee}.jpg").status_code == 404
