"""Items 4, 5 and 6: sessions end on the server, the permission table (every cell), and
bad requests answer 4xx."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import PASSWORD, Built, csrf_of, sign_in, token

from appliance.catalog.models import Album, Face, Photo, User
from appliance.catalog.users import create_user
from appliance.web.auth import is_same_origin_path
from appliance.web.permissions import (
    ACTIONS,
    ADMIN_ONLY,
    ALBUM_OWNER,
    EVERY_USER,
    OWNER_ONLY,
    PHOTO_OWNER,
    can,
)

CHELSEA, CARS = "misc/skimage/chelsea.jpg", "misc/dlib/mmod_cars_test_image.jpg"


def _h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def _copy_cookie(source: FlaskClient, app: Flask) -> FlaskClient:
    """A second browser holding a copy of ``source``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("shoebox_session", source.get_cookie("shoebox_session").value)
    return thief


# --- 4. sessions ---------------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server(app: Flask, admin: FlaskClient) -> None:
    thief = _copy_cookie(admin, app)
    assert thief.get("/api/v1/photos").status_code == 200
    assert admin.post("/logout", data={"csrf_token": token(admin)}).status_code == 302
    assert thief.get("/api/v1/photos").status_code == 401  # the copy is worthless now
    assert thief.get("/albums").status_code == 302


def test_sign_out_everywhere(app: Flask, member: FlaskClient) -> None:
    laptop = app.test_client()
    assert sign_in(laptop, "bob").status_code == 302
    thief = _copy_cookie(member, app)
    ended = member.delete("/api/v1/sessions", headers=_h(member))
    assert ended.status_code == 200 and ended.json["ended"] >= 2
    for client in (member, laptop, thief):
        assert client.get("/api/v1/photos").status_code == 401
    assert sign_in(laptop, "bob").status_code == 302  # the form variant
    phone = app.test_client()
    assert sign_in(phone, "bob").status_code == 302
    assert laptop.post("/logout/everywhere", data={"csrf_token": token(laptop)}).status_code == 302
    assert phone.get("/api/v1/photos").status_code == 401


def test_role_and_password_changes_end_that_users_other_sessions(
    app: Flask, admin: FlaskClient
) -> None:
    create_user("carol", PASSWORD, "admin")
    carol = app.test_client()
    assert sign_in(carol, "carol").status_code == 302
    carol_id = User.get(User.username == "carol").id
    demote = admin.patch(f"/api/v1/users/{carol_id}", json={"role": "member"}, headers=_h(admin))
    assert demote.status_code == 200
    assert carol.get("/api/v1/photos").status_code == 401
    # changing one's own password keeps this session and ends the others
    other = app.test_client()
    assert sign_in(other, "alice").status_code == 302
    alice_id = User.get(User.username == "alice").id
    changed = admin.patch(
        f"/api/v1/users/{alice_id}", json={"password": "a new long secret"}, headers=_h(admin)
    )
    assert changed.status_code == 200
    assert admin.get("/api/v1/photos").status_code == 200
    assert other.get("/api/v1/photos").status_code == 401


# --- 5. the permission table ----------------------------------------------------------------

TABLE = {  # action -> (admin, member on own album/photo, member on another's, visitor)
    **{a: (True, True, True, False) for a in EVERY_USER},
    **{a: (True, True, False, False) for a in ALBUM_OWNER},
    **{a: (True, True, False, False) for a in PHOTO_OWNER},
    **{a: (True, False, False, False) for a in ADMIN_ONLY},
    # an admin: their own and the family's photos, never a member's (checked below)
    **{a: (True, True, False, False) for a in OWNER_ONLY},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_permission_table_cell_by_cell(action: str) -> None:
    admin, member = User(id=1, role="admin"), User(id=2, role="member")
    own, others = Album(created_by=2), Album(created_by=1)
    orphan = Album(created_by=None)
    if action in PHOTO_OWNER | OWNER_ONLY:  # one the member added, one an admin added, the family's
        own, others, orphan = Photo(owner_id=2), Photo(owner_id=1), Photo(owner_id=None)
    expected = TABLE[action]
    assert can(admin, action, others) is expected[0]
    assert can(admin, action, orphan) is expected[0]
    if action in OWNER_ONLY:  # a member's photo is theirs alone, admins included
        assert can(admin, action, own) is False
    assert can(member, action, own) is expected[1]
    assert can(member, action, others) is expected[2]
    assert can(None, action, own) is expected[3]
    assert can(User(id=3, role="intruder"), action, own) is False
    if action in ALBUM_OWNER | PHOTO_OWNER | OWNER_ONLY:
        assert can(member, action, orphan) is False  # unowned albums and photos: admins only


def test_permission_table_is_complete_and_documented() -> None:
    assert set(TABLE) == ACTIONS
    with pytest.raises(ValueError):
        can(User(id=1, role="admin"), "photo.eat")


def test_photo_actions_over_http(
    app: Flask, admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    photo = web.photo_ids[CHELSEA]
    face = Face.select().where(Face.photo == web.photo_ids["faces/face_recognition/obama.jpg"])
    face_id = face.first().id
    visitor = app.test_client()
    for client, allowed in ((admin, True), (member, True), (visitor, False)):
        h = _h(client) if client is not visitor else {}
        calls = [
            client.patch(f"/api/v1/photos/{photo}", json={"favorite": True}, headers=h),
            client.post(f"/api/v1/photos/{photo}/labels", json={"name": "pet"}, headers=h),
            client.post(f"/api/v1/faces/{face_id}/name", json={"name": "Barack"}, headers=h),
        ]
        for response in calls:
            assert (response.status_code < 300) is allowed, (client, response.json)
            if not allowed:
                assert response.status_code in (400, 401)  # no session, no CSRF token


def test_album_rights_over_http(
    app: Flask, admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    photo = web.photo_ids[CHELSEA]
    admins = admin.post("/api/v1/albums", json={"title": "Admin's"}, headers=_h(admin)).json
    mine = member.post("/api/v1/albums", json={"title": "Bob's"}, headers=_h(member)).json
    assert Album.get_by_id(mine["id"]).created_by.username == "bob"
    hm = _h(member)
    # a member cannot touch the admin's album
    assert member.get(f"/api/v1/albums/{admins['id']}").status_code == 200  # may look
    assert (
        member.patch(f"/api/v1/albums/{admins['id']}", json={"title": "x"}, headers=hm).status_code
        == 403
    )
    assert (
        member.post(
            f"/api/v1/albums/{admins['id']}/photos", json={"add": [photo]}, headers=hm
        ).status_code
        == 403
    )
    assert (
        member.post(f"/api/v1/albums/{admins['id']}/shares", json={}, headers=hm).status_code == 403
    )
    assert member.delete(f"/api/v1/albums/{admins['id']}", headers=hm).status_code == 403
    admin_share = admin.post(f"/api/v1/albums/{admins['id']}/shares", json={}, headers=_h(admin))
    assert member.delete(f"/api/v1/shares/{admin_share.json['id']}", headers=hm).status_code == 403
    # ... and manages their own
    assert (
        member.patch(
            f"/api/v1/albums/{mine['id']}", json={"title": "Bob's cats"}, headers=hm
        ).status_code
        == 200
    )
    assert (
        member.post(
            f"/api/v1/albums/{mine['id']}/photos", json={"add": [photo]}, headers=hm
        ).status_code
        == 200
    )
    share = member.post(f"/api/v1/albums/{mine['id']}/shares", json={}, headers=hm)
    assert share.status_code == 201
    assert member.delete(f"/api/v1/shares/{share.json['id']}", headers=hm).status_code == 200
    # the admin manages every album
    ha = _h(admin)
    assert (
        admin.patch(f"/api/v1/albums/{mine['id']}", json={"title": "ok"}, headers=ha).status_code
        == 200
    )
    again = admin.post(f"/api/v1/albums/{mine['id']}/shares", json={}, headers=ha)
    assert again.status_code == 201
    assert admin.delete(f"/api/v1/shares/{again.json['id']}", headers=ha).status_code == 200
    assert member.delete(f"/api/v1/albums/{mine['id']}", headers=hm).status_code == 200
    assert admin.delete(f"/api/v1/albums/{admins['id']}", headers=ha).status_code == 200
    # users and settings: admins only
    assert (
        member.get("/api/v1/users").status_code == 403
        and admin.get("/api/v1/users").status_code == 200
    )
    assert member.get("/settings").status_code == 403 and admin.get("/settings").status_code == 200
    visitor = app.test_client()
    assert visitor.get("/api/v1/albums").status_code == 401


def test_share_link_never_serves_archived_photos(
    app: Flask, admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    cat, cars = web.photo_ids[CHELSEA], web.photo_ids[CARS]
    h = _h(member)
    album = member.post(
        "/api/v1/albums", json={"title": "Two", "photo_ids": [cat, cars]}, headers=h
    )
    share = member.post(f"/api/v1/albums/{album.json['id']}/shares", json={}, headers=h).json
    # the family's photo: an admin archives it (a member may archive only their own)
    archived = admin.patch(f"/api/v1/photos/{cars}", json={"archived": True}, headers=_h(admin))
    assert archived.status_code == 200
    guest = app.test_client()
    items = guest.get(f"{share['path']}/photos.json").json["items"]
    assert [i["id"] for i in items] == [cat]
    cars_sha = Photo.get_by_id(cars).primary_sha256
    cat_sha = Photo.get_by_id(cat).primary_sha256
    assert guest.get(f"{share['path']}/thumb/viewer/{cars_sha}.jpg").status_code == 404
    assert guest.get(f"{share['path']}/thumb/viewer/{cat_sha}.jpg").status_code == 200


# --- 6. every bad request is a 4xx -----------------------------------------------------------


def test_out_of_range_ids_and_dates_are_4xx(admin: FlaskClient) -> None:
    huge = "9" * 23
    for url in (
        f"/api/v1/photos/{huge}",
        f"/api/v1/albums/{huge}",
        f"/photo/{huge}",
        f"/albums/{huge}",
    ):
        assert admin.get(url).status_code == 404, url
    h = _h(admin)
    assert (
        admin.patch(f"/api/v1/photos/{huge}", json={"favorite": True}, headers=h).status_code
        in (404, 405)  # werkzeug: a write to an id no route can hold is a 405, a 4xx too
    )
    for q in (f"person:#{huge}", f"album:#{huge}", "after:9999-12-31", "year:²⁰²¹", "month:²"):
        response = admin.get("/api/v1/photos", query_string={"q": q})
        assert response.status_code == 400 and response.json["error"], q
    batch = admin.post(
        "/api/v1/photos/batch", json={"ids": [int(huge)], "favorite": True}, headers=h
    )
    assert batch.status_code == 400
    import base64

    cursor = base64.urlsafe_b64encode(f"2020-01-01T00:00:00|{huge}".encode()).decode()
    assert admin.get("/api/v1/photos", query_string={"cursor": cursor}).status_code == 400


NEXT_ATTACKS = (  # "next=/%09/evil.example" in a URL arrives decoded: "/<tab>/evil..."
    "/\t/evil.example",
    "/\n/evil.example",
    "/ok\r\nSet-Cookie: a=b",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "/\x00",
    "/\x7f",
    "javascript:alert(1)",
)


@pytest.mark.parametrize("target", NEXT_ATTACKS)
def test_login_next_only_same_origin_paths(app: Flask, target: str) -> None:
    create_user("alice", PASSWORD, "admin")
    client = app.test_client()
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_same_origin_paths_are_kept() -> None:
    for ok in ("/albums", "/photo/3?q=cat%20dog", "/search?q=a#x"):
        assert is_same_origin_path(ok)
    for bad in NEXT_ATTACKS:
        assert not is_same_origin_path(bad)
