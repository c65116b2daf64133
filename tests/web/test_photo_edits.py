"""Edits without harm (issue 26): a recipe in the catalogue, applied to renditions, the
viewer, downloads and shares, never to the original; revert always works. Over HTTP on the
web fixtures' real imported photos, with Pillow reading what is served."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageStat
from web_fixtures import Built, token

from appliance.catalog import photo_edits
from appliance.catalog.export import iter_export
from appliance.catalog.models import File, Photo, User
from appliance.catalog.photo_edits import EditRecipeError, normalise, rotate_photos
from appliance.media.edit_render import apply

CHELSEA = "misc/skimage/chelsea.jpg"  # 451 x 300, a cat
COFFEE = "misc/skimage/coffee.jpg"


def _h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _original_bytes(web: Built, photo_id: int) -> bytes:
    file = File.get((File.photo == photo_id) & (File.role == "original"))
    return (web.library.originals / file.stored_path).read_bytes()


def test_a_recipe_is_checked_and_kept_small() -> None:
    assert normalise({"rotate": 0, "exposure": 0, "bw": False}) is None
    assert normalise({"rotate": 270, "crop": {"x": 0, "y": 0, "w": 1, "h": 1}}) == {"rotate": 270}
    outside = {"crop": {"x": 0.5, "y": 0, "w": 0.6, "h": 1}}
    for bad in ({"rotate": 45}, {"rotate": True}, {"exposure": 3}, {"tint": 1}, {"bw": "yes"},
                outside, {"crop": [0, 0, 1, 1]}, []):  # fmt: skip
        with pytest.raises(EditRecipeError):
            normalise(bad)
    assert photo_edits.shown_size(
        400, 300, {"rotate": 90, "crop": {"x": 0, "y": 0, "w": 0.5, "h": 1}}
    ) == (150, 400)


def test_the_recipe_applied_to_pixels() -> None:
    gradient = Image.linear_gradient("L").resize((400, 200)).convert("RGB")  # dark top
    turned = apply(gradient, {"rotate": 90})
    assert turned.size == (200, 400)
    assert turned.getpixel((199, 200))[0] < 30 < 220 < turned.getpixel((0, 200))[0]  # top: right
    assert apply(gradient, {"crop": {"x": 0.25, "y": 0, "w": 0.5, "h": 0.5}}).size == (200, 100)
    level = Image.new("RGB", (400, 300), (200, 120, 60))
    straight = apply(level, {"straighten": 10})
    corners = [straight.getpixel(p) for p in ((0, 0), (straight.width - 1, straight.height - 1))]
    assert all(c[0] > 150 for c in corners), "a straightened picture has no empty corner"
    assert straight.width / straight.height == pytest.approx(400 / 300, rel=0.02)
    assert ImageStat.Stat(apply(level, {"exposure": 1})).mean[0] > 250
    assert len(set(apply(level, {"bw": True}).getpixel((5, 5)))) == 1
    warm = apply(level, {"warmth": 1}).getpixel((5, 5))
    assert warm[0] > 200 and warm[2] < 60


def test_rotating_many_turns_their_crops_with_them(web: Built, app: Flask) -> None:
    one, two = web.photo_ids[CHELSEA], web.photo_ids[COFFEE]
    photo_edits.set_edits(one, {"crop": {"x": 0, "y": 0, "w": 0.5, "h": 0.25}})
    assert rotate_photos([one, two], 90) == 2
    assert photo_edits.parse(Photo.get_by_id(one).edits) == {
        "rotate": 90, "crop": {"x": 0.75, "y": 0.0, "w": 0.25, "h": 0.5},
    }  # fmt: skip
    rotate_photos([one, two], 270)
    assert photo_edits.parse(Photo.get_by_id(two).edits) is None  # a full turn is no edit
    assert Photo.get_by_id(one).edits and "rotate" not in photo_edits.parse(
        Photo.get_by_id(one).edits
    )


def test_edit_and_revert_over_http_never_touch_the_original(
    web: Built, admin: FlaskClient, member: FlaskClient
) -> None:
    photo = web.photo_ids[CHELSEA]
    before = hashlib.sha256(_original_bytes(web, photo)).hexdigest()
    detail = admin.get(f"/api/v1/photos/{photo}").json
    width, height, sha = detail["width"], detail["height"], detail["sha256"]
    assert detail["edits"] is None and detail["edit"] is None
    album = admin.post(
        "/api/v1/albums", json={"title": "Cat", "photo_ids": [photo]}, headers=_h(admin)
    )
    assert f'/media/thumb/grid/{sha}.jpg"' in admin.get("/albums").text  # its cover, unedited

    # the contract: {"edits": {"rotate": 90}}, and a member only on their own photos
    refused = member.patch(
        f"/api/v1/photos/{photo}", json={"edits": {"rotate": 90}}, headers=_h(member)
    )
    assert refused.status_code == 403
    bad = admin.patch(f"/api/v1/photos/{photo}", json={"edits": {"rotate": 45}}, headers=_h(admin))
    assert bad.status_code == 400 and "rotate" in bad.json["error"]
    done = admin.patch(f"/api/v1/photos/{photo}", json={"edits": {"rotate": 90}}, headers=_h(admin))
    assert done.status_code == 200, done.json
    detail = admin.get(f"/api/v1/photos/{photo}").json
    assert detail["edits"] == {"rotate": 90} and (detail["width"], detail["height"]) == (
        height,
        width,
    )
    key = detail["edit"]
    tile = next(i for i in admin.get("/api/v1/photos").json["items"] if i["id"] == photo)
    assert tile["edit"] == key and tile["width"] == height

    served = admin.get(f"/media/thumb/viewer/{sha}.jpg?e={key}")
    assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
    turned = _image(served.data)
    assert turned.width < turned.height  # the landscape cat stands up
    # a page's covers ask for the edit's own URL: a browser that kept the unedited cover
    # (immutable at the plain URL) shows the edit
    assert f'/media/thumb/grid/{sha}.jpg?e={key}"' in admin.get("/albums").text
    assert album.status_code == 201
    plain = admin.get(f"/media/thumb/grid/{sha}.jpg")  # the plain URL: the edit, revalidated
    assert _image(plain.data).width < _image(plain.data).height
    assert "no-cache" in plain.headers["Cache-Control"]
    unedited = _image(admin.get(f"/media/thumb/viewer/{sha}.jpg?e=none").data)
    assert unedited.width > unedited.height
    download = admin.get(f"/media/edited/{sha}.jpg")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert _image(download.data).size == (height, width)
    exported = {p["id"]: p for p in iter_export(web.library.originals)}
    assert exported[photo]["edits"] == {"rotate": 90}

    # a fuller edit, then revert
    recipe = {"rotate": 90, "crop": {"x": 0, "y": 0, "w": 1, "h": 0.5}, "exposure": 0.5, "bw": True}
    assert (
        admin.patch(
            f"/api/v1/photos/{photo}", json={"edits": recipe}, headers=_h(admin)
        ).status_code
        == 200
    )
    key2 = admin.get(f"/api/v1/photos/{photo}").json["edit"]
    edited = _image(admin.get(f"/media/thumb/viewer/{sha}.jpg?e={key2}").data).convert("RGB")
    assert edited.width > edited.height  # the standing cat's upper half
    assert len(set(edited.getpixel((edited.width // 2, edited.height // 2)))) == 1  # grey
    assert (
        admin.patch(f"/api/v1/photos/{photo}", json={"edits": None}, headers=_h(admin)).status_code
        == 200
    )
    back = admin.get(f"/api/v1/photos/{photo}").json
    assert back["edits"] is None and (back["width"], back["height"]) == (width, height)
    assert _image(admin.get(f"/media/thumb/viewer/{sha}.jpg").data).width > height
    assert admin.get(f"/media/edited/{sha}.jpg").status_code == 404
    assert hashlib.sha256(_original_bytes(web, photo)).hexdigest() == before


def test_a_selection_turns_in_one_request(
    web: Built, admin: FlaskClient, member: FlaskClient
) -> None:
    ids = [web.photo_ids[CHELSEA], web.photo_ids[COFFEE]]
    refused = member.post(
        "/api/v1/photos/batch", json={"ids": ids, "rotate": 90}, headers=_h(member)
    )
    assert refused.status_code == 403
    Photo.update(owner_id=User.get(User.username == "bob").id).where(Photo.id.in_(ids)).execute()
    turned = member.post(
        "/api/v1/photos/batch", json={"ids": ids, "rotate": 90}, headers=_h(member)
    )
    assert turned.json == {"updated": 2}
    assert all(photo_edits.parse(Photo.get_by_id(i).edits) == {"rotate": 90} for i in ids)


def test_a_share_visitor_sees_the_edit(web: Built, admin: FlaskClient, tmp_path: Path) -> None:
    photo = web.photo_ids[CHELSEA]
    h = _h(admin)
    album = admin.post(
        "/api/v1/albums", json={"title": "Cat", "photo_ids": [photo]}, headers=h
    ).json
    share = admin.post(
        f"/api/v1/albums/{album['id']}/shares", json={"allow_download": True}, headers=h
    ).json
    admin.patch(f"/api/v1/photos/{photo}", json={"edits": {"rotate": 270}}, headers=h)
    sha = admin.get(f"/api/v1/photos/{photo}").json["sha256"]
    visitor = admin.application.test_client()
    link = f"/s/{share['url'].rsplit('/', 1)[-1]}"
    seen = visitor.get(f"{link}/thumb/grid/{sha}.jpg")
    assert seen.status_code == 200 and _image(seen.data).width < _image(seen.data).height
    kept = _image(visitor.get(f"{link}/photo/{sha}?as=jpeg").data)  # "Save this photo"
    assert (kept.width, kept.height) == (300, 451)
    original = _image(visitor.get(f"{link}/photo/{sha}").data)
    assert (original.width, original.height) == (451, 300)
