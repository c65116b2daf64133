"""Folders (issue 26, item 4): where the photos came from, on the web fixtures' library
imported with the real pipeline from one folder; private and trashed photos do not count."""

from __future__ import annotations

from urllib.parse import quote

from flask.testing import FlaskClient
from web_fixtures import TWO, Built, token

from appliance.catalog.models import Photo, User


def test_the_folders_the_photos_came_from(
    web: Built, admin: FlaskClient, member: FlaskClient
) -> None:
    listed = admin.get("/api/v1/folders").json["folders"]
    assert len(listed) == 1 and listed[0]["path"].endswith("/import")  # the one source
    source = listed[0]["path"]
    assert listed[0]["count"] == len(web.photo_ids) and listed[0]["cover"]

    page = admin.get("/folders")
    assert page.status_code == 200 and "import" in page.text
    grid = admin.get(f"/folders/photos?path={quote(source)}")
    assert grid.status_code == 200 and "/api/v1/folders/photos?path=" in grid.text
    items = admin.get(f"/api/v1/folders/photos?path={quote(source)}&limit=200").json["items"]
    assert {i["id"] for i in items} == set(web.photo_ids.values())
    assert admin.get(f"/api/v1/folders/photos?path={quote(source + '/deeper')}").json["items"] == []
    assert admin.get("/api/v1/folders/photos?path=relative").status_code == 400

    # a private photo leaves the folder for everyone else
    bob = User.get(User.username == "bob")
    two = web.photo_ids[TWO]
    Photo.update(owner_id=bob.id).where(Photo.id == two).execute()
    h = {"X-CSRF-Token": token(member)}
    assert (
        member.patch(f"/api/v1/photos/{two}", json={"private": True}, headers=h).status_code == 200
    )
    assert admin.get("/api/v1/folders").json["folders"][0]["count"] == len(web.photo_ids) - 1
    items = admin.get(f"/api/v1/folders/photos?path={quote(source)}&limit=200").json["items"]
    assert two not in {i["id"] for i in items}
