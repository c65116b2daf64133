"""Batch editing (issue 26, item 3): one edit for many selected photos, one Undo that puts
every photo back as it was, on the real little library."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from web_fixtures import OBAMA, TWO, Built, token

from appliance.catalog.batch_edit import KEPT
from appliance.catalog.models import AlbumPhoto, Face, Label, Person, Photo, PhotoLabel

PATHS = [
    "misc/skimage/chelsea.jpg",
    "misc/skimage/coffee.jpg",
    "exif/exif-samples/gps/DSCN0010.jpg",  # has its own GPS place and EXIF date
]
KYOTO = {"latitude": 35.0116, "longitude": 135.7681}


def state(ids: list[int]) -> dict:
    """Everything a batch edit may touch, per photo."""
    columns = [getattr(Photo, k) for k in KEPT]
    rows = {r["id"]: r for r in Photo.select(Photo.id, *columns).where(Photo.id.in_(ids)).dicts()}
    labels = {
        (pl.photo_id, pl.label.name, pl.removed, pl.source)
        for pl in PhotoLabel.select(PhotoLabel, Label).join(Label).where(PhotoLabel.photo.in_(ids))
    }
    albums = {
        (a.album_id, a.photo_id) for a in AlbumPhoto.select().where(AlbumPhoto.photo.in_(ids))
    }
    return {"photos": rows, "labels": labels, "albums": albums}


def test_one_edit_for_many_photos_and_one_undo(admin: FlaskClient, web: Built) -> None:
    h = {"X-CSRF-Token": token(admin)}
    ids = [web.photo_ids[p] for p in PATHS]
    album = admin.post("/api/v1/albums", json={"title": "Kyoto", "photo_ids": [ids[0]]}, headers=h)
    album_id = album.json["id"]
    # a label the family removed from the first photo: the edit adds it back, Undo removes
    # it again (the decision is kept, not forgotten)
    (first_label,) = [pl.label.name for pl in PhotoLabel.select(PhotoLabel, Label).join(Label)
                      .where(PhotoLabel.photo == ids[0]).limit(1)]  # fmt: skip
    removed = admin.delete(f"/api/v1/photos/{ids[0]}/labels/{first_label}", headers=h)
    assert removed.status_code == 200
    before = state(ids)
    assert (ids[0], first_label, True, "manual") in before["labels"]
    changes = {
        "shift": "+1h",
        "offset": "+09:00",
        "place": KYOTO,
        "title": "Kyoto trip",
        "description": "With grandma",
        "add_labels": ["Temple", first_label],
        "favorite": True,
        "album_id": album_id,
    }
    done = admin.post("/api/v1/photos/batch-edit", json={"ids": ids, "set": changes}, headers=h)
    assert done.status_code == 200, done.json
    assert done.json["updated"] == 3
    for pid in ids:
        photo = Photo.get_by_id(pid)
        old = before["photos"][pid]
        assert photo.title == "Kyoto trip" and photo.description == "With grandma"
        assert photo.place_city and photo.place_country_code == "JP" and photo.favorite
        if old["taken_at"]:
            assert photo.taken_at == old["taken_at"] + dt.timedelta(hours=1)
            assert photo.taken_at_offset == 540
        assert AlbumPhoto.get_or_none(album=album_id, photo=pid)
    assert {pid for pid, name, removed, _ in state(ids)["labels"] if name == "temple"} == set(ids)
    assert admin.get("/api/v1/photos", query_string={"q": "temple"}).json["items"]

    undo = done.json["undo_id"]
    back = admin.post(f"/api/v1/photos/batch-edit/{undo}/undo", headers=h)
    assert back.status_code == 200 and back.json == {"restored": 3}
    assert state(ids) == before  # every column, label and album place as it was
    again = admin.post(f"/api/v1/photos/batch-edit/{undo}/undo", headers=h)
    assert again.status_code == 404


def test_a_refused_batch_edit_changes_nothing(
    admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    ids = [web.photo_ids[p] for p in PATHS]
    before = state(ids)
    h, hm = {"X-CSRF-Token": token(admin)}, {"X-CSRF-Token": token(member)}
    bad = [
        {"ids": ids, "set": {"title": "x", "shift": "sideways"}},
        {"ids": ids, "set": {"favorite": "yes"}},
        {"ids": ids, "set": {"place": {"latitude": 95, "longitude": 0}}},
        {"ids": [*ids, 999999], "set": {"title": "x"}},
        {"ids": ids, "set": {"colour": "red"}},
        {"ids": [], "set": {"title": "x"}},
        {"ids": ids, "set": {}},
    ]
    for request in bad:
        response = admin.post("/api/v1/photos/batch-edit", json=request, headers=h)
        assert response.status_code in (400, 404), (request, response.json)
        assert state(ids) == before, request
    # a member may not edit the family's photos (the permission table), but may mark them
    refused = member.post(
        "/api/v1/photos/batch-edit", json={"ids": ids, "set": {"title": "mine"}}, headers=hm
    )
    assert refused.status_code == 403 and state(ids) == before
    liked = member.post(
        "/api/v1/photos/batch-edit", json={"ids": ids, "set": {"favorite": True}}, headers=hm
    )
    assert liked.status_code == 200
    # only who made an edit may undo it
    other = admin.post(f"/api/v1/photos/batch-edit/{liked.json['undo_id']}/undo", headers=h)
    assert other.status_code == 404
    mine = member.post(f"/api/v1/photos/batch-edit/{liked.json['undo_id']}/undo", headers=hm)
    assert mine.status_code == 200 and state(ids) == before


def test_one_date_for_many_scans_and_its_undo(admin: FlaskClient, web: Built) -> None:
    """Scans of one day: one date and time for all of them; Undo gives each its own back."""
    h = {"X-CSRF-Token": token(admin)}
    ids = [web.photo_ids[p] for p in PATHS]
    before = state(ids)
    done = admin.post(
        "/api/v1/photos/batch-edit",
        json={"ids": ids, "set": {"taken_at": "1987-08-15T14:30:00"}},
        headers=h,
    )
    assert done.status_code == 200, done.json
    for photo in Photo.select().where(Photo.id.in_(ids)):
        assert photo.taken_at == dt.datetime(1987, 8, 15, 14, 30)
        assert photo.taken_at_source == "manual" and photo.sort_time.year == 1987
    bad = admin.post(
        "/api/v1/photos/batch-edit", json={"ids": ids, "set": {"taken_at": 1987}}, headers=h
    )
    assert bad.status_code == 400
    admin.post(f"/api/v1/photos/batch-edit/{done.json['undo_id']}/undo", headers=h)
    assert state(ids) == before


def faces_of(ids: list[int]) -> dict[int, tuple]:
    return {
        f.id: (f.photo_id, f.person_id, f.assignment)
        for f in Face.select().where(Face.photo.in_(ids))
    }


def test_naming_a_person_on_many_photos_and_its_undo(admin: FlaskClient, web: Built) -> None:
    """ "These show Barack": the only face of a photo is named, then on the photo of two
    people the face that looks like him (not Joe's); a photo without a face gets none and
    says so in the count. Undo puts every face back and the new name goes again."""
    h = {"X-CSRF-Token": token(admin)}
    ids = [web.photo_ids[p] for p in (TWO, OBAMA, "misc/skimage/chelsea.jpg")]
    before, people_before = faces_of(ids), Person.select().count()
    done = admin.post(
        "/api/v1/photos/batch-edit",
        json={"ids": ids, "set": {"add_people": ["Barack Obama"]}},
        headers=h,
    )
    assert done.status_code == 200, done.json
    assert done.json["updated"] == 3 and done.json["faces_named"] == 2
    barack = Person.get(Person.name == "Barack Obama")
    named = {fid: row for fid, row in faces_of(ids).items() if row[1] == barack.id}
    assert sorted(row[0] for row in named.values()) == sorted(ids[:2])
    assert {row[2] for row in named.values()} == {"manual"}
    # the face it took on the photo of two is the one clustering had as Obama, not Joe
    assert {before[fid][1] for fid in named} == {web.obama_id}
    biden_face = [f for f, row in before.items() if row[1] == web.biden_id and row[0] == ids[0]]
    assert faces_of(ids)[biden_face[0]][1] == web.biden_id
    assert Person.get_by_id(barack.id).face_count == 2
    found = admin.get("/api/v1/photos", query_string={"q": 'person:"Barack Obama"'}).json
    assert {item["id"] for item in found["items"]} == set(ids[:2])

    back = admin.post(f"/api/v1/photos/batch-edit/{done.json['undo_id']}/undo", headers=h)
    assert back.status_code == 200
    assert faces_of(ids) == before
    assert Person.get_or_none(Person.name == "Barack Obama") is None
    assert Person.select().count() == people_before
    assert Person.get_by_id(web.obama_id).face_count >= 2


def test_a_member_names_people_on_many_photos_but_bad_names_are_refused(
    member: FlaskClient, web: Built
) -> None:
    hm = {"X-CSRF-Token": token(member)}
    ids = [web.photo_ids[OBAMA]]
    before = faces_of(ids)
    for bad in ([""], "Barack", [7], ["x" * 101]):
        response = member.post(
            "/api/v1/photos/batch-edit", json={"ids": ids, "set": {"add_people": bad}}, headers=hm
        )
        assert response.status_code == 400, bad
        assert faces_of(ids) == before
    done = member.post(
        "/api/v1/photos/batch-edit",
        json={"ids": ids, "set": {"add_people": ["Barack"]}},
        headers=hm,
    )
    assert done.status_code == 200 and done.json["faces_named"] == 1


def test_an_animal_named_on_many_photos_and_its_undo(admin: FlaskClient, web: Built) -> None:
    """A keyword naming an animal replaces the classifier's animals on the photos edited;
    Undo brings the classifier's labels back (the labels are merged again)."""
    h = {"X-CSRF-Token": token(admin)}
    ids = [web.photo_ids[p] for p in PATHS[:2]]
    cat = web.photo_ids["misc/skimage/chelsea.jpg"]
    before = state(ids)
    seen = {name for pid, name, _, source in before["labels"] if pid == cat and source == "model"}
    assert "cat" in seen, seen
    done = admin.post(
        "/api/v1/photos/batch-edit", json={"ids": ids, "set": {"add_labels": ["Dog"]}}, headers=h
    )
    assert done.status_code == 200, done.json
    after = {(pid, name) for pid, name, removed, _ in state(ids)["labels"] if not removed}
    assert (cat, "dog") in after and (cat, "cat") not in after
    back = admin.post(f"/api/v1/photos/batch-edit/{done.json['undo_id']}/undo", headers=h)
    assert back.status_code == 200
    assert state(ids) == before


def test_a_title_naming_an_animal_and_its_undo(admin: FlaskClient, web: Built) -> None:
    """A title is words of the photo too: Undo of a batch title that named a dog brings the
    classifier's cat back."""
    h = {"X-CSRF-Token": token(admin)}
    cat = web.photo_ids["misc/skimage/chelsea.jpg"]
    before = state([cat])
    done = admin.post(
        "/api/v1/photos/batch-edit",
        json={"ids": [cat], "set": {"title": "Our dog Rex"}},
        headers=h,
    )
    assert done.status_code == 200, done.json
    after = {name for _, name, removed, _ in state([cat])["labels"] if not removed}
    assert "dog" in after and "cat" not in after
    back = admin.post(f"/api/v1/photos/batch-edit/{done.json['undo_id']}/undo", headers=h)
    assert back.status_code == 200
    assert state([cat]) == before
