"""The JSON API on a real little library: search, paging, labels, people, albums."""

from __future__ import annotations

from flask.testing import FlaskClient
from web_fixtures import Built, token

from appliance.catalog.models import Face, FaceRejection, Person, Photo

CHELSEA, CAT_HEIC = "misc/skimage/chelsea.jpg", "heif/pillow_heif/cat.hif"
CARS, OBAMA = "misc/dlib/mmod_cars_test_image.jpg", "faces/face_recognition/obama.jpg"
BIDEN, TWO = "faces/face_recognition/biden.jpg", "faces/face_recognition/two_people.jpg"
GPS = "exif/exif-samples/gps/DSCN0010.jpg"


def ids(client: FlaskClient, q: str) -> set[int]:
    response = client.get("/api/v1/photos", query_string={"q": q, "limit": 200})
    assert response.status_code == 200, response.json
    return {p["id"] for p in response.json["items"]}


def test_search_words_filters_and_exclusion(member: FlaskClient, web: Built) -> None:
    p = web.photo_ids
    cats = {p[CHELSEA], p[CAT_HEIC]}
    assert ids(member, "kitty") == cats  # synonym
    assert ids(member, "cats") == cats  # plural
    assert ids(member, "cars") == {p[CARS]}
    assert ids(member, "label:cat type:heic") == {p[CAT_HEIC]}
    assert ids(member, "cat -type:heic") == {p[CHELSEA]}
    assert ids(member, "biden") == {p[BIDEN], p[TWO]}  # person name
    assert ids(member, f'person:"joe biden" -person:#{web.obama_id}') == {p[BIDEN]}
    assert ids(member, "nikon") >= {p[GPS]}  # camera make
    assert ids(member, "chelsea") == {p[CHELSEA]}  # file name
    assert ids(member, "year:2008 camera:nikon") == ids(member, "nikon")
    assert ids(member, "before:2009 after:2007") == ids(member, "year:2008")
    lat, lon = Photo.get_by_id(p[GPS]).latitude, Photo.get_by_id(p[GPS]).longitude
    assert p[GPS] in ids(member, f"near:{lat + 0.01},{lon},2")
    assert p[GPS] not in ids(member, f"near:{lat + 0.1},{lon},2")
    assert ids(member, "month:june year:2023") == {p[CHELSEA]}
    bad = member.get("/api/v1/photos", query_string={"q": "year:soon"})
    assert bad.status_code == 400 and "year:" in bad.json["error"]


def test_keyset_pages_cover_everything_once(member: FlaskClient, web: Built) -> None:
    seen: list[dict] = []
    cursor = None
    while True:
        query = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = member.get("/api/v1/photos", query_string=query).json
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(web.photo_ids) == len({s["id"] for s in seen})
    times = [(s["time"], s["id"]) for s in seen]
    assert times == sorted(times, reverse=True)
    assert member.get("/api/v1/photos?cursor=!!garbage").status_code == 400


def test_viewer_neighbours_follow_the_query(member: FlaskClient, web: Built) -> None:
    p = web.photo_ids
    detail = member.get(f"/api/v1/photos/{p[CHELSEA]}", query_string={"q": "cat"}).json
    assert detail["newer"] is None and detail["older"] == p[CAT_HEIC]
    assert detail["labels"][0]["name"] == "cat" and detail["files"][0]["name"] == "chelsea.jpg"


def test_favourite_archive_and_labels(admin: FlaskClient, web: Built) -> None:
    h = {"X-CSRF-Token": token(admin)}
    p = web.photo_ids
    assert admin.post(
        "/api/v1/photos/batch", json={"ids": [p[CARS], p[OBAMA]], "favorite": True}, headers=h
    ).json == {"updated": 2}
    assert ids(admin, "favorite:yes") == {p[CARS], p[OBAMA]}
    assert (
        admin.patch(f"/api/v1/photos/{p[CARS]}", json={"archived": True}, headers=h).status_code
        == 200
    )
    assert p[CARS] not in ids(admin, "")
    archived = admin.get("/api/v1/photos?view=archive").json["items"]
    assert [a["id"] for a in archived] == [p[CARS]]
    assert (
        admin.patch(f"/api/v1/photos/{p[OBAMA]}", json={"favorite": "yes"}, headers=h).status_code
        == 400
    )
    added = admin.post(f"/api/v1/photos/{p[OBAMA]}/labels", json={"name": "President"}, headers=h)
    assert added.status_code == 201 and "president" in [lb["name"] for lb in added.json["labels"]]
    assert ids(admin, "label:president") == {p[OBAMA]}
    removed = admin.delete(f"/api/v1/photos/{p[CHELSEA]}/labels/cat", headers=h)
    assert "cat" not in [lb["name"] for lb in removed.json["labels"]]
    assert p[CHELSEA] not in ids(admin, "kitty")
    assert admin.post(f"/api/v1/photos/{p[OBAMA]}/labels", json={}, headers=h).status_code == 400
    assert (
        admin.post("/api/v1/photos/424242/labels", json={"name": "x"}, headers=h).status_code == 404
    )
    assert admin.post("/api/v1/photos/batch", data="not json", headers=h).status_code == 400


def test_people_name_merge_and_remove_face(member: FlaskClient, web: Built) -> None:
    h = {"X-CSRF-Token": token(member)}
    people = member.get("/api/v1/people").json["people"]
    assert [x["name"] for x in people] == ["Joe Biden", None]
    assert all(x["cover"] and x["crop"] for x in people)
    named = member.patch(
        f"/api/v1/people/{web.obama_id}", json={"name": " Barack  Obama "}, headers=h
    )
    assert named.json["name"] == "Barack Obama"
    assert ids(member, 'person:"barack obama"') == {web.photo_ids[OBAMA], web.photo_ids[TWO]}
    face = Face.get((Face.person == web.obama_id) & (Face.photo == web.photo_ids[TWO]))
    assert member.delete(f"/api/v1/faces/{face.id}/person", headers=h).status_code == 200
    assert FaceRejection.select().where(FaceRejection.face == face.id).exists()
    assert ids(member, 'person:"barack obama"') == {web.photo_ids[OBAMA]}
    # click-to-name: the face goes to the existing person with that name
    back = member.post(f"/api/v1/faces/{face.id}/name", json={"name": "barack obama"}, headers=h)
    assert back.json["person_id"] == web.obama_id
    merged = member.post(
        f"/api/v1/people/{web.obama_id}/merge", json={"from_id": web.biden_id}, headers=h
    )
    assert (
        merged.status_code == 200 and not Person.select().where(Person.id == web.biden_id).exists()
    )
    # the merge answers what undoes it; the undo gives the faces their own person again
    undo = merged.json["undo"]
    assert undo["name"] == "Joe Biden" and undo["into_name"] == "Barack Obama" and undo["face_ids"]
    back = member.post(f"/api/v1/people/{web.obama_id}/unmerge", json=undo, headers=h)
    assert back.status_code == 201 and back.json["name"] == "Joe Biden"
    assert {f.id for f in Face.select().where(Face.person == back.json["id"])} == set(
        undo["face_ids"]
    )
    again = member.post(f"/api/v1/people/{web.obama_id}/unmerge", json=undo, headers=h)
    assert again.status_code == 400  # those faces left already
    bad = member.post(f"/api/v1/people/{web.obama_id}/unmerge", json={"face_ids": "x"}, headers=h)
    assert bad.status_code == 400
    assert member.patch("/api/v1/people/999", json={"name": "x"}, headers=h).status_code == 404
    assert (
        member.patch(f"/api/v1/people/{web.obama_id}", json={"name": " "}, headers=h).status_code
        == 400
    )


def test_albums_lifecycle(member: FlaskClient, web: Built) -> None:
    h = {"X-CSRF-Token": token(member)}
    p = web.photo_ids
    made = member.post(
        "/api/v1/albums", json={"title": "Pets", "photo_ids": [p[CHELSEA], 99999]}, headers=h
    )
    assert made.status_code == 201
    album = made.json["id"]
    assert member.post(
        f"/api/v1/albums/{album}/photos", json={"add": [p[CAT_HEIC], p[CHELSEA]]}, headers=h
    ).json == {"added": 1, "removed": 0}
    assert ids(member, "album:pets") == {p[CHELSEA], p[CAT_HEIC]}
    assert ids(member, "pets") == {p[CHELSEA], p[CAT_HEIC]}  # plain word finds album titles
    assert (
        member.patch(
            f"/api/v1/albums/{album}", json={"cover_photo_id": p[CARS]}, headers=h
        ).status_code
        == 400
    )
    assert (
        member.patch(
            f"/api/v1/albums/{album}", json={"cover_photo_id": p[CAT_HEIC]}, headers=h
        ).json["cover_photo_id"]
        == p[CAT_HEIC]
    )
    listing = member.get("/api/v1/albums").json["albums"]
    assert (
        listing[0]["count"] == 2
        and listing[0]["cover"] == Photo.get_by_id(p[CAT_HEIC]).primary_sha256
    )
    assert (
        member.post(
            f"/api/v1/albums/{album}/photos", json={"remove": [p[CAT_HEIC]]}, headers=h
        ).json["removed"]
        == 1
    )
    assert member.get(f"/api/v1/albums/{album}").json["cover_photo_id"] is None
    assert member.post("/api/v1/albums", json={"title": "  "}, headers=h).status_code == 400
    assert (
        member.post(
            "/api/v1/albums", json={"title": "x", "photo_ids": "1,2"}, headers=h
        ).status_code
        == 400
    )
    assert member.delete(f"/api/v1/albums/{album}", headers=h).status_code == 200
    assert member.get(f"/api/v1/albums/{album}").status_code == 404


def test_status_and_labels_listing(member: FlaskClient) -> None:
    status = member.get("/api/v1/status").json
    assert status["active"] is False and status["queue"] == 0 and "counts" in status
    labels = {x["name"]: x["count"] for x in member.get("/api/v1/labels").json["labels"]}
    # what the classifier says: both cats, the eagle a bird; the three portraits are "person"
    # (their suits are not what they are of: issue 14's portrait rules); the falcon, which
    # the classifier calls a lizard, is a bird by its own keywords and title
    assert labels["cat"] == 2 and labels["person"] == 3 and labels["bird"] == 2
    assert "suit" not in labels and "lizard" not in labels


def test_status_reports_queue_and_errors(member: FlaskClient) -> None:
    from appliance.catalog.models import Job

    Job.create(path="/inbox/a.jpg", state="pending")
    Job.create(path="/inbox/b.jpg", state="failed", error="not a photo")
    status = member.get("/api/v1/status").json
    assert status["active"] is True and status["queue"] == 1
    assert status["errors"][0] == {
        "path": "/inbox/b.jpg",
        "error": "not a photo",
        "at": status["errors"][0]["at"],
    }


def test_holidays_and_seasons_in_plain_words(
    admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    """ "christmas" finds 24-26 December of any year and an album so named; "summer" finds
    June-August in the north and December-February south of the equator (the photo's place),
    "winter" the reverse; a photo without a place counts as northern."""
    import datetime as dt

    p = web.photo_ids
    eve, sydney, unplaced = p[CHELSEA], p[CARS], p[OBAMA]
    Photo.update(sort_time=dt.datetime(2021, 12, 24, 20, 5)).where(Photo.id == eve).execute()
    Photo.update(
        sort_time=dt.datetime(2020, 1, 15, 12, 0), latitude=-33.87, longitude=151.21
    ).where(Photo.id == sydney).execute()
    Photo.update(sort_time=dt.datetime(2020, 1, 20, 12, 0), latitude=None, longitude=None).where(
        Photo.id == unplaced
    ).execute()
    h = {"X-CSRF-Token": token(admin)}
    album = admin.post(
        "/api/v1/albums",
        json={"title": "Christmas at Grandma's", "photo_ids": [p[BIDEN]]},
        headers=h,
    )
    assert album.status_code == 201
    giraffe = p["misc/dlib/giraffe.jpg"]  # the fixture's own 24 December 2022
    assert ids(member, "christmas") == {eve, giraffe, p[BIDEN]}
    assert ids(member, "xmas 2021") == {eve}
    assert sydney in ids(member, "summer") and unplaced not in ids(member, "summer")
    assert unplaced in ids(member, "winter") and sydney not in ids(member, "winter")
    assert eve not in ids(member, "-christmas")
    page = member.get("/search", query_string={"q": "christmas 2021"}).get_data(as_text=True)
    assert "<h1>At Christmas, in 2021</h1>" in page
