"""Whose photo is it: what a member uploads (or their phone sends) is theirs; what the box
imported from its own devices and folders is the family's. A member may trash, archive and
edit (date, place, text) only their own; admins may do it to any; everyone may favourite,
label and name faces. Over HTTP, with the real upload queue and pipeline."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from web_fixtures import Built, token

from appliance.catalog import queue as job_queue
from appliance.catalog.models import Photo, User
from appliance.catalog.users import delete_user
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor

FAMILY_PHOTO = "faces/face_recognition/obama.jpg"  # imported by the box (no owner)
NEW = "misc/dlib/mmod_cars_test_image2.jpg"
REFUSED = "this photo was added by someone else: only they or an admin can do that"


def _h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def _uploaded_by(client: FlaskClient, web: Built, data: bytes) -> int:
    sent = client.post(
        "/api/v1/uploads?name=cars.jpg",
        data=data,
        headers=_h(client) | {"Content-Type": "application/octet-stream"},
    )
    assert sent.status_code == 201, sent.json
    with Ingestor(web.settings, web.library) as ingestor:
        jobs.execute(ingestor, job_queue.claim_due(50), lambda _uuid: True)
    state = client.get(f"/api/v1/uploads?ids={sent.json['id']}").json["uploads"][0]
    assert state["state"] == "added", state
    return state["photo_id"]


def _changes(client: FlaskClient, photo: int) -> dict[str, int]:
    """Status codes of each owner-only change a family member could try on ``photo``."""
    h = _h(client)
    return {
        "archive": client.patch(f"/api/v1/photos/{photo}", json={"archived": True}, headers=h),
        "title": client.patch(f"/api/v1/photos/{photo}", json={"title": "Mine"}, headers=h),
        "date": client.patch(
            f"/api/v1/photos/{photo}", json={"taken_at": "2020-01-02T03:04:05"}, headers=h
        ),
        "shift": client.post(
            "/api/v1/photos/shift-date", json={"ids": [photo], "by": "+1h"}, headers=h
        ),
        "batch archive": client.post(
            "/api/v1/photos/batch", json={"ids": [photo], "archived": False}, headers=h
        ),
        "place": client.post(
            "/api/v1/photos/place",
            json={"ids": [photo], "latitude": 48.85, "longitude": 2.35},
            headers=h,
        ),
        "trash": client.delete(f"/api/v1/photos/{photo}", headers=h),
    }


def test_a_member_changes_only_what_they_added(
    web: Built, admin: FlaskClient, member: FlaskClient, corpus: Path
) -> None:
    bob = User.get(User.username == "bob")
    mine = _uploaded_by(member, web, (corpus / NEW).read_bytes())
    assert Photo.get_by_id(mine).owner_id == bob.id
    family = web.photo_ids[FAMILY_PHOTO]
    assert Photo.get_by_id(family).owner_id is None

    refused = _changes(member, family)
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 403)
    assert refused["trash"].json["error"] == REFUSED
    untouched = Photo.get_by_id(family)
    assert (untouched.archived, untouched.title, untouched.trashed_at) == (False, None, None)
    # what every member may do to any photo
    h = _h(member)
    favourite = member.patch(f"/api/v1/photos/{family}", json={"favorite": True}, headers=h)
    label = member.post(f"/api/v1/photos/{family}/labels", json={"name": "pet"}, headers=h)
    assert (favourite.status_code, label.status_code) == (200, 201)
    # a batch holding one photo of someone else's changes none of them
    both = member.post(
        "/api/v1/photos/batch", json={"ids": [mine, family], "archived": True}, headers=h
    )
    assert both.status_code == 403 and "1 of these photos" in both.json["error"]
    assert Photo.get_by_id(mine).archived is False

    allowed = _changes(member, mine)
    assert all(r.status_code < 300 for r in allowed.values()), {
        k: (r.status_code, r.json) for k, r in allowed.items()
    }
    assert Photo.get_by_id(mine).trashed_at is not None
    # an admin may do it to anyone's photo
    assert admin.post(f"/api/v1/photos/{mine}/restore", headers=_h(admin)).status_code == 200
    done = _changes(admin, mine)
    assert all(r.status_code < 300 for r in done.values())


def test_the_viewer_offers_a_member_only_what_they_may_do(
    web: Built, member: FlaskClient, corpus: Path
) -> None:
    mine = _uploaded_by(member, web, (corpus / NEW).read_bytes())
    family = web.photo_ids[FAMILY_PHOTO]
    theirs = member.get(f"/photo/{family}").get_data(as_text=True)
    own = member.get(f"/photo/{mine}").get_data(as_text=True)
    for action in ('data-action="trash-photo"', 'data-action="archive"', "Set the place"):
        assert action not in theirs, action
        assert action in own, action
    assert 'data-action="favorite"' in theirs


def test_a_deleted_members_photos_become_the_familys(
    web: Built, member: FlaskClient, corpus: Path
) -> None:
    mine = _uploaded_by(member, web, (corpus / NEW).read_bytes())
    delete_user(User.get(User.username == "bob").id)
    assert Photo.get_by_id(mine).owner_id is None
