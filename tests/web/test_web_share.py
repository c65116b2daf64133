"""Share links show their album, read-only, and nothing else."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import Built, token

from appliance.catalog.models import Photo, ShareLink

CHELSEA, CARS = "misc/skimage/chelsea.jpg", "misc/dlib/mmod_cars_test_image.jpg"


def make_share(member: FlaskClient, web: Built, **body: object) -> tuple[int, dict]:
    h = {"X-CSRF-Token": token(member)}
    album = member.post(
        "/api/v1/albums", json={"title": "Cat", "photo_ids": [web.photo_ids[CHELSEA]]}, headers=h
    ).json["id"]
    share = member.post(f"/api/v1/albums/{album}/shares", json=body, headers=h)
    assert share.status_code == 201
    return album, share.json


def test_share_link_shows_only_its_album(app: Flask, member: FlaskClient, web: Built) -> None:
    _, share = make_share(member, web)
    path = share["path"]
    token_part = path.rsplit("/", 1)[1]
    assert len(token_part) >= 43
    guest = app.test_client()
    page = guest.get(path)
    assert (
        page.status_code == 200 and "Cat" in page.text and page.headers["X-Robots-Tag"] == "noindex"
    )
    items = guest.get(f"{path}/photos.json").json["items"]
    assert [i["id"] for i in items] == [web.photo_ids[CHELSEA]]
    cat_sha = Photo.get_by_id(web.photo_ids[CHELSEA]).primary_sha256
    car_sha = Photo.get_by_id(web.photo_ids[CARS]).primary_sha256
    assert guest.get(f"{path}/thumb/viewer/{cat_sha}.jpg").status_code == 200
    assert guest.get(f"{path}/thumb/viewer/{car_sha}.jpg").status_code == 404
    # nothing else opens for the guest
    for url in (
        "/",
        "/albums",
        "/api/v1/photos",
        f"/media/thumb/grid/{cat_sha}.jpg",
        f"/media/original/{cat_sha}",
        f"/photo/{web.photo_ids[CHELSEA]}",
    ):
        assert guest.get(url).status_code in (302, 401), url
    assert guest.get("/s/" + "A" * 43).status_code == 404


def test_revoked_and_expired_links_stop_working(
    app: Flask, member: FlaskClient, web: Built
) -> None:
    album, share = make_share(member, web, expires_days=7)
    guest = app.test_client()
    assert guest.get(share["path"]).status_code == 200
    assert member.get(f"/api/v1/albums/{album}").json["shares"][0]["expires_at"]
    ShareLink.update(expires_at=dt.datetime(2000, 1, 1)).where(
        ShareLink.id == share["id"]
    ).execute()
    assert guest.get(share["path"]).status_code == 404
    _, second = make_share(member, web)
    assert (
        member.delete(
            f"/api/v1/shares/{second['id']}", headers={"X-CSRF-Token": token(member)}
        ).status_code
        == 200
    )
    assert guest.get(second["path"]).status_code == 404
    assert guest.get(f"{second['path']}/photos.json").status_code == 404
    bad = member.post(
        f"/api/v1/albums/{album}/shares",
        json={"expires_days": -1},
        headers={"X-CSRF-Token": token(member)},
    )
    assert bad.status_code == 400


def test_a_link_expires_after_1_to_3650_days_as_its_message_says(
    member: FlaskClient, web: Built
) -> None:
    album, _ = make_share(member, web)
    h = {"X-CSRF-Token": token(member)}
    for days in (0.00001, 0.5, 0.999, 3650.5, 1e9):
        bad = member.post(f"/api/v1/albums/{album}/shares", json={"expires_days": days}, headers=h)
        assert bad.status_code == 400, days
        assert bad.json["error"] == "a share link expires after 1 to 3650 days, or never"
    for days in (1, 1.5, 3650):
        made = member.post(f"/api/v1/albums/{album}/shares", json={"expires_days": days}, headers=h)
        assert made.status_code == 201, days
        expires = dt.datetime.fromisoformat(made.json["expires_at"])  # naive: UTC
        left = expires - dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert dt.timedelta(days=days - 1) < left <= dt.timedelta(days=days)
