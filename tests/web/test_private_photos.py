"""Private photos (issue 26): a member's private photos are for them only, in Private, behind
their password again; absent from every route for everyone else, admins included.

The walk visits every GET route of the app (from its URL map, so a new route is walked too)
with the private photos' ids, checksums and faces in its parameters, plus the listings with
the queries that would find them, as another member, an admin and the owner with Private
locked. The same walk before the photos were private finds them, so it can fail."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import BIDEN, OBAMA, PASSWORD, TWO, Built, sign_in, token

from appliance.catalog import stacks
from appliance.catalog.export import iter_export
from appliance.catalog.models import Face, File, Photo, User
from appliance.catalog.private import set_private
from appliance.catalog.users import create_user

GPS = "exif/exif-samples/gps/DSCN0010.jpg"
TITLE = "Lighthouse keeper secret"
SKIP = {"static", "places.tile", "app_shell.service_worker", "app_shell.offline"}
QUERIES = [  # listings, each with what would find the private photos
    "/api/v1/photos",
    "/api/v1/photos?q=lighthouse",
    "/api/v1/photos?q=person%3A%22Joe%20Biden%22",
    "/api/v1/photos?view=archive",
    "/api/v1/photos?view=trash",
    "/api/v1/photos/recent",
    "/search?q=lighthouse",
    "/api/v1/search/suggest?q=light",
    "/api/v1/search/suggest?q=joe",
    "/api/v1/map/clusters?bbox=-90,-180,90,180&zoom=2",
    "/api/v1/map/clusters?bbox=-90,-180,90,180&zoom=16",
    "/api/v1/map/photos?bbox=-90,-180,90,180",
    "/api/v1/best?year=2022",
    "/api/v1/best?year=2008",
    "/api/v1/events?year=2022",
    "/api/v1/events?year=2008",
    "/api/v1/memories?date=2025-07-07",
    "/api/v1/memories?date=2025-10-22",
    "/api/v1/faces/unassigned",
    "/api/v1/duplicates",
]


def _h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


class Secrets:
    """What would give the private photos away: checksums, names, title, links, faces."""

    def __init__(self, photo_ids: list[int]) -> None:
        self.photo_ids = photo_ids
        files = list(File.select().where(File.photo.in_(photo_ids) & File.sha256.is_null(False)))
        self.shas = [f.sha256 for f in files]
        self.face_ids = [f.id for f in Face.select().where(Face.photo.in_(photo_ids))]
        self.texts = self.shas + [f.original_name for f in files if f.original_name] + [TITLE]
        self.texts += [f'/photo/{i}"' for i in photo_ids] + [f"/photo/{i}?" for i in photo_ids]
        self.texts += [f"/media/face/{i}.jpg" for i in self.face_ids]

    def found_in(self, body: bytes, content_type: str) -> list[str]:
        found = [t for t in self.texts if t.encode() in body]
        if content_type.startswith("application/json"):
            found += [f"{k}={v}" for k, v in _pairs(json.loads(body)) if self._names(k, v)]
        return found

    def _names(self, key: str, value: Any) -> bool:
        return (key == "photo_id" and value in self.photo_ids) or (
            key == "face_id" and value in self.face_ids
        )


def _pairs(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value
            yield from _pairs(value)
    elif isinstance(data, list):
        for item in data:
            yield from _pairs(item)


def _fill(rule: str, values: dict[str, str]) -> str | None:
    names = re.findall(r"<(?:[a-z]+:)?([a-z_0-9]+)>", rule)
    if any(name not in values for name in names):
        return None
    return re.sub(r"<(?:[a-z]+:)?([a-z_0-9]+)>", lambda m: values[m.group(1)], rule)


def _urls(app: Flask, secrets: Secrets, fill: dict[str, str]) -> tuple[list[str], list[str]]:
    """(listing URLs, URLs naming one private photo, file or face) of every GET route."""
    listings, named = list(QUERIES), []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        names = set(re.findall(r"<(?:[a-z]+:)?([a-z_0-9]+)>", rule.rule))
        variants = [dict(fill)]
        if "photo_id" in names:
            variants = [fill | {"photo_id": str(i)} for i in secrets.photo_ids]
        elif "sha256" in names:
            variants = [fill | {"sha256": s} for s in secrets.shas]
        elif "face_id" in names:
            variants = [fill | {"face_id": str(i)} for i in secrets.face_ids]
        for values in variants:
            url = _fill(rule.rule, values)
            if url is None:
                continue
            is_named = names & {"photo_id", "sha256", "face_id"}
            (named if is_named else listings).append(url)
    return listings, named


def _walk(client: FlaskClient, urls: list[str], secrets: Secrets) -> dict[str, list[str]]:
    """URL -> what of the private photos it showed."""
    leaks = {}
    for url in urls:
        response = client.get(url)
        body = response.get_data()
        found = (
            secrets.found_in(body, response.content_type or "")
            if response.status_code < 400
            else []
        )
        if found:
            leaks[url] = found
    return leaks


@pytest.fixture
def carol(app: Flask, admin: FlaskClient) -> FlaskClient:
    create_user("carol", PASSWORD, "member")
    client = app.test_client()
    assert sign_in(client, "carol").status_code == 302
    return client


def _family_scene(web: Built, admin: FlaskClient, bob_id: int) -> dict[str, str]:
    """Bob's two photos (his phone sent them): one with Obama and Joe Biden, one with GPS;
    in Alice's shared album, titled and labelled. Returns the route parameters to walk."""
    mine = [web.photo_ids[TWO], web.photo_ids[GPS]]
    Photo.update(owner_id=bob_id).where(Photo.id.in_(mine)).execute()
    h = _h(admin)
    album = admin.post(
        "/api/v1/albums",
        json={"title": "Summer", "photo_ids": [*mine, web.photo_ids[OBAMA]]},
        headers=h,
    ).json
    share = admin.post(
        f"/api/v1/albums/{album['id']}/shares", json={"allow_download": True}, headers=h
    ).json
    for pid in mine:
        assert (
            admin.patch(f"/api/v1/photos/{pid}", json={"title": TITLE}, headers=h).status_code
            == 200
        )
        assert (
            admin.post(
                f"/api/v1/photos/{pid}/labels", json={"name": "lighthouse"}, headers=h
            ).status_code
            == 201
        )
    country = Photo.get_by_id(web.photo_ids[GPS]).place_country_code
    assert country, "the GPS photo has a place"
    return {
        "person_id": str(web.biden_id),
        "album_id": str(album["id"]),
        "token": share["url"].rsplit("/", 1)[-1],
        "country_code": country,
        "size": "grid",
        "stack_id": "1",
        "user_id": str(bob_id),
        "share_id": "1",
        "phone_id": "1",
        "undo_id": "1",
        "name": "lighthouse",
        "filename": "app.css",
    }


def test_a_private_photo_is_on_no_route_for_anyone_but_its_unlocked_owner(
    web: Built, app: Flask, admin: FlaskClient, member: FlaskClient, carol: FlaskClient
) -> None:
    bob = User.get(User.username == "bob")
    fill = _family_scene(web, admin, bob.id)
    secrets = Secrets([web.photo_ids[TWO], web.photo_ids[GPS]])
    listings, named = _urls(app, secrets, fill)
    everything = (
        listings
        + named
        + [
            f"/api/v1/photos?q=album%3A%23{fill['album_id']}",
            f"/api/v1/photos?q=person%3A%23{web.obama_id}",
            f"/api/v1/people/{web.obama_id}/faces",
        ]
    )

    # before: the walk finds them everywhere a family would look
    before = _walk(carol, everything, secrets)
    for where in (
        "/api/v1/photos?q=lighthouse",
        f"/api/v1/photos?q=album%3A%23{fill['album_id']}",
        f"/api/v1/photos?q=person%3A%23{web.obama_id}",
        f"/api/v1/people/{web.obama_id}/faces",
        f"/s/{fill['token']}/photos.json",
        f"/s/{fill['token']}/download.zip",
        "/api/v1/map/photos?bbox=-90,-180,90,180",
        "/api/v1/photos/recent",
        "/api/v1/best?year=2022",
        "/api/v1/labels",
        "/albums",
        f"/photo/{secrets.photo_ids[0]}",
    ):
        assert where in before, f"the walk never saw them at {where}"

    # an admin may not make a member's photo private; the owner may
    two, gps = secrets.photo_ids
    refused = admin.patch(f"/api/v1/photos/{two}", json={"private": True}, headers=_h(admin))
    assert refused.status_code == 403
    assert (
        member.patch(
            f"/api/v1/photos/{two}", json={"private": "yes"}, headers=_h(member)
        ).status_code
        == 400
    )
    for pid in (two, gps):
        made = member.patch(f"/api/v1/photos/{pid}", json={"private": True}, headers=_h(member))
        assert made.status_code == 200, made.json
    assert Photo.get_by_id(two).private is True

    # after: on no route, for another member, an admin, or the owner with Private locked
    for who, client in (("carol", carol), ("alice (admin)", admin), ("bob, locked", member)):
        leaks = _walk(client, everything, secrets)
        assert not leaks, f"{who} sees private photos: {leaks}"
        for url in named:
            assert client.get(url).status_code == 404, (who, url)
    # nor can anyone else change them by id, alone or in a batch
    h = _h(admin)
    tries = {
        "favourite": admin.patch(f"/api/v1/photos/{two}", json={"favorite": True}, headers=h),
        "label": admin.post(f"/api/v1/photos/{two}/labels", json={"name": "x"}, headers=h),
        "trash": admin.delete(f"/api/v1/photos/{two}", headers=h),
        "batch": admin.post(
            "/api/v1/photos/batch", json={"ids": [two], "favorite": True}, headers=h
        ),
        "album": admin.post(
            f"/api/v1/albums/{fill['album_id']}/photos", json={"add": [gps]}, headers=h
        ),
        "shift": admin.post(
            "/api/v1/photos/shift-date", json={"ids": [two], "by": "+1h"}, headers=h
        ),
        "unprivate": admin.patch(f"/api/v1/photos/{two}", json={"private": False}, headers=h),
    }
    assert {k: r.status_code for k, r in tries.items()} == dict.fromkeys(tries, 404)
    assert Photo.get_by_id(two).favorite is False and Photo.get_by_id(two).trashed_at is None


def _unlock(client: FlaskClient, password: str = PASSWORD) -> int:
    return client.post(
        "/private/unlock", data={"password": password, "csrf_token": token(client)}
    ).status_code


def test_the_owner_sees_them_in_private_after_the_password(
    web: Built, app: Flask, admin: FlaskClient, member: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = User.get(User.username == "bob")
    fill = _family_scene(web, admin, bob.id)
    two = web.photo_ids[TWO]
    secrets = Secrets([two, web.photo_ids[GPS]])
    for pid in secrets.photo_ids:
        assert (
            member.patch(
                f"/api/v1/photos/{pid}", json={"private": True}, headers=_h(member)
            ).status_code
            == 200
        )

    locked = member.get("/private")
    assert locked.status_code == 200 and "2 photos" in locked.text and TITLE not in locked.text
    assert member.get("/api/v1/photos?view=private").status_code == 403
    assert _unlock(member, "wrong") == 401
    assert _unlock(member) == 302

    shown = member.get("/api/v1/photos?view=private").json["items"]
    assert sorted(i["id"] for i in shown) == sorted(secrets.photo_ids)
    listings, named = _urls(app, secrets, fill)
    for url in named:  # every route of one photo, file or face now answers
        not_there = ("/trash/", "/s/", "/stacks/", "/media/video/", "/media/edited/")  # not edited
        if not any(part in url for part in not_there):
            assert member.get(url).status_code == 200, url
    assert member.get(f"/photo/{two}").text.count('data-private="true"') == 1
    # ...and still in no listing but Private: the owner's timeline, search, map stay clean
    assert not _walk(member, listings, secrets)
    # the share-link visitor never reaches them, even with the owner unlocked elsewhere
    visitor = app.test_client()
    for sha in secrets.shas:
        assert visitor.get(f"/s/{fill['token']}/thumb/grid/{sha}.jpg").status_code == 404

    # Private closes after UNLOCK_MINUTES, with Lock, and with signing out
    later = time.time() + 16 * 60
    monkeypatch.setattr("appliance.web.private.now", lambda: later)
    assert member.get(f"/photo/{two}").status_code == 404
    monkeypatch.undo()
    assert member.get(f"/photo/{two}").status_code == 200
    member.post("/private/lock", data={"csrf_token": token(member)})
    assert member.get(f"/photo/{two}").status_code == 404

    # made public again: back everywhere, with its album, labels and faces
    assert _unlock(member) == 302
    back = member.post(
        "/api/v1/photos/batch",
        json={"ids": secrets.photo_ids, "private": False},
        headers=_h(member),
    )
    assert back.json == {"updated": 2}
    assert len(_walk(admin, ["/api/v1/photos?q=lighthouse"], secrets)) == 1
    album = admin.get(f"/api/v1/photos?q=album%3A%23{fill['album_id']}").json
    assert two in {p["id"] for p in album["items"]}


def test_a_member_makes_a_selection_private_only_of_their_own(
    web: Built, admin: FlaskClient, member: FlaskClient
) -> None:
    bob = User.get(User.username == "bob")
    two, obama = web.photo_ids[TWO], web.photo_ids[OBAMA]
    Photo.update(owner_id=bob.id).where(Photo.id == two).execute()
    both = member.post(
        "/api/v1/photos/batch", json={"ids": [two, obama], "private": True}, headers=_h(member)
    )
    assert both.status_code == 403
    assert Photo.get_by_id(two).private is False
    mine = member.post(
        "/api/v1/photos/batch", json={"ids": [two], "private": True}, headers=_h(member)
    )
    assert mine.json == {"updated": 1}
    # bob's account cannot go while it keeps private photos (they would become everyone's)
    gone = admin.delete(f"/api/v1/users/{bob.id}", headers=_h(admin))
    assert gone.status_code == 400 and "1 private photo" in gone.json["error"]
    # an admin makes a family photo (no owner) private: it becomes theirs, in their Private
    made = admin.patch(f"/api/v1/photos/{obama}", json={"private": True}, headers=_h(admin))
    assert made.status_code == 200
    alice = User.get(User.username == "alice")
    assert (Photo.get_by_id(obama).private, Photo.get_by_id(obama).owner_id) == (True, alice.id)
    assert member.get(f"/photo/{obama}").status_code == 404


def test_a_private_photo_leaves_its_stack_and_the_export_says_private(
    web: Built, member: FlaskClient
) -> None:
    bob = User.get(User.username == "bob")
    obama, biden = web.photo_ids[OBAMA], web.photo_ids[BIDEN]
    stack_id = stacks.stack_together([obama, biden], "test")
    assert stack_id is not None
    Photo.update(owner_id=bob.id).where(Photo.id == biden).execute()
    assert set_private(biden, True) is True
    assert Photo.get_by_id(biden).stack_id is None
    assert Photo.get_by_id(obama).stack_id is None  # a stack of one is no stack
    shown = {i["id"] for i in member.get("/api/v1/photos").json["items"]}
    assert obama in shown and biden not in shown
    exported = {p["id"]: p["private"] for p in iter_export(web.library.originals)}
    assert exported[biden] is True and exported[obama] is False
