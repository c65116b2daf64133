"""Faces and people for a family: face crops, name choices with clustering's suggestion,
faces of nobody, dismissing, hiding, covers, merge previews; on the real little library."""

from __future__ import annotations

import io
import json
import subprocess

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from web_fixtures import Built, token

from appliance.catalog import sidecars
from appliance.catalog.face_review import faces_of_nobody
from appliance.catalog.models import Face, Person, Photo
from appliance.web.permissions import can

OBAMA, BIDEN = "faces/face_recognition/obama.jpg", "faces/face_recognition/biden.jpg"
TWO = "faces/face_recognition/two_people.jpg"


def h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def face_on(web: Built, path: str, person_id: int) -> Face:
    return Face.get((Face.photo == web.photo_ids[path]) & (Face.person == person_id))


def test_face_crop_is_the_face_cached_and_needs_a_login(
    app: Flask, member: FlaskClient, web: Built
) -> None:
    face = face_on(web, BIDEN, web.biden_id)
    response = member.get(f"/media/face/{face.id}.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "immutable" in response.headers["Cache-Control"]
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (160, 160)
    cached = list((web.library.cache / "faces").rglob(f"*-{face.id}.jpg"))
    assert len(cached) == 1
    again = member.get(
        f"/media/face/{face.id}.jpg", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    # a crop of the face is mostly skin and features, unlike the photo's corner
    photo = Photo.get_by_id(web.photo_ids[BIDEN])
    assert face.box_w < photo.width  # so the crop is really a crop
    assert app.test_client().get(f"/media/face/{face.id}.jpg").status_code == 401
    assert member.get("/media/face/999999.jpg").status_code == 404


def test_viewer_people_panel_shows_each_face_as_a_crop(member: FlaskClient, web: Built) -> None:
    page = member.get(f"/photo/{web.photo_ids[TWO]}").text
    faces = list(Face.select().where(Face.photo == web.photo_ids[TWO]))
    for face in faces:
        assert f'src="/media/face/{face.id}.jpg"' in page
    assert (
        "Who is this?" not in page.split('id="people-panel"')[1].split("</ul>")[0]
        or len(faces) == 1
    )


def test_name_choices_put_clustering_first(member: FlaskClient, web: Built) -> None:
    """The unnamed Obama face on two_people.jpg moved out: its nearest named person is not
    Biden (far away); a face of Biden's own gets Biden suggested when taken out."""
    biden_face = face_on(web, TWO, web.biden_id)
    headers = h(member)
    assert (
        member.delete(f"/api/v1/faces/{biden_face.id}/person", headers=headers).status_code == 200
    )
    Face.update(assignment=None).where(Face.id == biden_face.id).execute()
    from appliance.catalog.models import FaceRejection

    FaceRejection.delete().where(FaceRejection.face == biden_face.id).execute()
    names = member.get(f"/api/v1/faces/{biden_face.id}/names").json["names"]
    assert names[0]["name"] == "Joe Biden" and names[0]["suggested"] is True
    obama_face = face_on(web, OBAMA, web.obama_id)
    names = member.get(f"/api/v1/faces/{obama_face.id}/names").json["names"]
    assert names and not names[0]["suggested"]  # Obama is nobody named: no false suggestion
    unassigned = member.get("/api/v1/faces/unassigned").json
    listed = {f["id"]: f for f in unassigned["faces"]}
    assert biden_face.id in listed and unassigned["total"] >= 1
    assert listed[biden_face.id]["suggestion"]["name"] == "Joe Biden"
    assert listed[biden_face.id]["crop_url"] == f"/media/face/{biden_face.id}.jpg"
    page = member.get("/people/unknown").text
    assert f"/media/face/{biden_face.id}.jpg" in page and "Joe Biden" in page


def test_dismissed_faces_leave_the_page_of_nobody(member: FlaskClient, web: Built) -> None:
    face = face_on(web, OBAMA, web.obama_id)
    headers = h(member)
    assert member.delete(f"/api/v1/faces/{face.id}/person", headers=headers).status_code == 200
    before = {f.id for f in faces_of_nobody(200)[0]}
    assert face.id in before
    r = member.post(f"/api/v1/faces/{face.id}/dismiss", json={}, headers=headers)
    assert r.status_code == 200 and r.json == {"face_id": face.id, "dismissed": True}
    assert face.id not in {f.id for f in faces_of_nobody(200)[0]}
    from appliance.catalog.people import assign_new_faces, recluster

    assign_new_faces()
    recluster()
    assert Face.get_by_id(face.id).person_id is None  # clustering leaves it alone
    member.post(f"/api/v1/faces/{face.id}/dismiss", json={"dismissed": False}, headers=headers)
    assert face.id in {f.id for f in faces_of_nobody(200)[0]}
    assert member.post("/api/v1/faces/999999/dismiss", json={}, headers=headers).status_code == 404
    bad = member.post(
        f"/api/v1/faces/{face.id}/dismiss", json={"dismissed": "yes"}, headers=headers
    )
    assert bad.status_code == 400


def test_hiding_a_person_is_for_admins(admin: FlaskClient, member: FlaskClient, web: Built) -> None:
    assert can(None, "person.hide") is False
    refused = member.post(f"/api/v1/people/{web.biden_id}/hide", json={}, headers=h(member))
    assert refused.status_code == 403
    done = admin.post(f"/api/v1/people/{web.biden_id}/hide", json={}, headers=h(admin))
    assert done.status_code == 200 and done.json["hidden"] is True
    assert "Joe Biden" not in admin.get("/people").text
    assert not any(
        s["kind"] == "person" for s in admin.get("/api/v1/search/suggest?q=joe").json["suggestions"]
    )
    admin.post(f"/api/v1/people/{web.biden_id}/hide", json={"hidden": False}, headers=h(admin))
    assert "Joe Biden" in admin.get("/people").text


def test_a_chosen_cover_stays(member: FlaskClient, web: Built) -> None:
    faces = member.get(f"/api/v1/people/{web.biden_id}/faces").json["faces"]
    assert len(faces) == 2
    other = [f["id"] for f in faces if f["id"] != Person.get_by_id(web.biden_id).cover_face_id][0]
    r = member.post(
        f"/api/v1/people/{web.biden_id}/cover", json={"face_id": other}, headers=h(member)
    )
    assert r.status_code == 200 and r.json["cover_face_id"] == other
    from appliance.catalog.people import refresh_people

    refresh_people([web.biden_id])
    assert Person.get_by_id(web.biden_id).cover_face_id == other
    assert f"/media/face/{other}.jpg" in member.get("/people").text
    obama_face = face_on(web, OBAMA, web.obama_id)
    wrong = member.post(
        f"/api/v1/people/{web.biden_id}/cover", json={"face_id": obama_face.id}, headers=h(member)
    )
    assert wrong.status_code == 400


def test_merge_offers_face_previews(member: FlaskClient, web: Built) -> None:
    page = member.get(f"/people/{web.biden_id}").text
    assert "Unnamed #" not in page
    obama_cover = Person.get_by_id(web.obama_id).cover_face_id
    assert f"/media/face/{obama_cover}.jpg" in page  # the merge choice shows the face


def test_naming_from_the_page_of_nobody_reaches_the_sidecar(
    member: FlaskClient, web: Built
) -> None:
    face = face_on(web, OBAMA, web.obama_id)
    headers = h(member)
    member.delete(f"/api/v1/faces/{face.id}/person", headers=headers)
    r = member.post(f"/api/v1/faces/{face.id}/name", json={"name": "Barack Obama"}, headers=headers)
    assert r.status_code == 200
    sidecars.flush(web.library, everything=True)
    (path,) = sidecars.sidecar_paths(web.library, web.photo_ids[OBAMA])
    out = subprocess.run(
        ["exiftool", "-j", "-XMP:PersonInImage", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)[0]["PersonInImage"] == "Barack Obama"


def test_faces_of_nobody_that_look_alike_come_as_one_group(member: FlaskClient, web: Built) -> None:
    """Obama's two faces (obama.jpg, two_people.jpg) taken out of his person: the page of
    faces to name shows them together as "The same person?", Biden's face apart; one name
    then names the group."""
    obama_faces = [f.id for f in Face.select().where(Face.person == web.obama_id)]
    biden_face = face_on(web, BIDEN, web.biden_id)
    Face.update(person=None, assignment="pending").where(
        Face.id.in_([*obama_faces, biden_face.id])
    ).execute()
    listed = member.get("/api/v1/faces/unassigned").json["faces"]
    groups = {f["id"]: f["group"] for f in listed}
    assert len(obama_faces) == 2 and groups[obama_faces[0]] == groups[obama_faces[1]] is not None
    assert groups[biden_face.id] is None
    ids = [f["id"] for f in listed]
    assert abs(ids.index(obama_faces[0]) - ids.index(obama_faces[1])) == 1  # side by side
    page = member.get("/people/unknown").text
    group = page.split("data-unknown-group=")[1].split("</ul>")[0]
    assert "The same person? 2 faces" in group and "Name them…" in group
    assert all(f"/media/face/{i}.jpg" in group for i in obama_faces)
    assert f"/media/face/{biden_face.id}.jpg" not in group


def test_two_clear_photos_of_one_man_are_offered_as_one_group(corpus) -> None:  # noqa: ANN001
    """Alex Lacamoire's two portraits are 0.52 apart, too far for clustering to found a
    person on a pair, so they were two strangers; as faces to name they come as a group.
    Different people of faces.json are 0.62 apart or more."""
    from appliance.catalog.face_review import _guess_groups
    from appliance.vision.faces import FaceAnalyzer
    from appliance.vision.faces.evaluate import load_picture

    analyzer = FaceAnalyzer("cpu")
    paths = [
        "faces/face_recognition/alex-lacamoire.png",
        "faces/face_recognition/knn_train/alex_lacamoire/img1.jpg",
        "faces/face_recognition/biden.jpg",
    ]
    faces = []
    for photo, path in enumerate(paths):
        (found,) = analyzer.analyze(load_picture(corpus / path))
        faces.append(
            Face(
                id=photo + 1,
                photo=photo + 1,
                usable=found.usable,
                descriptor=found.descriptor.tobytes(),
            )
        )
    assert _guess_groups(faces) == {1: 1, 2: 1}
