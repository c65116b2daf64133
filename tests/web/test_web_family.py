"""The family UI's server side: browser uploads through the import queue (real pipeline),
the zip download (streamed, safe names), live updates, the scrubber's months, caching."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from small_disk import small_disk
from web_fixtures import OBAMA, PASSWORD, Built, sign_in, token

from appliance.catalog import queue as job_queue
from appliance.catalog.models import Job, Photo
from appliance.catalog.users import create_user
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor
from appliance.web import live, security
from appliance.web.permissions import can
from appliance.web.uploads import safe_name

UPLOADED = "misc/dlib/mmod_cars_test_image2.jpg"  # not in the web library yet
DISK_FULL = "the library disk is full"


def _upload(client: FlaskClient, name: str, data: bytes) -> object:
    return client.post(
        f"/api/v1/uploads?name={name}",
        data=data,
        headers={"X-CSRF-Token": token(client), "Content-Type": "application/octet-stream"},
    )


def _run_queue(web: Built) -> None:
    """What the service's main loop does with due jobs (one batch, the real pipeline)."""
    with Ingestor(web.settings, web.library) as ingestor:
        jobs.execute(ingestor, job_queue.claim_due(50), lambda _uuid: True)


def test_upload_imports_through_the_queue(member: FlaskClient, web: Built, corpus: Path) -> None:
    new = (corpus / "misc/dlib/mmod_cars_test_image2.jpg").read_bytes()
    known = (corpus / OBAMA).read_bytes()
    sent = {
        "known": _upload(member, "obama copy.jpg", known),
        "broken": _upload(member, "broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg" * 10),
        "new": _upload(member, "../../cars.jpg", new),
    }
    for response in sent.values():
        assert response.status_code == 201, response.json
    ids = {key: r.json["id"] for key, r in sent.items()}
    stored = sorted(p.name for p in web.library.uploads.rglob("*") if p.is_file())
    assert ".." not in "".join(stored) and len(stored) == len(sent)
    waiting = member.get(f"/api/v1/uploads?ids={','.join(map(str, ids.values()))}").json
    assert {u["state"] for u in waiting["uploads"]} == {"waiting"}

    _run_queue(web)
    states = {
        u["id"]: u
        for u in member.get(f"/api/v1/uploads?ids={','.join(map(str, ids.values()))}").json[
            "uploads"
        ]
    }
    assert states[ids["known"]]["state"] == "duplicate"
    assert states[ids["known"]]["photo_id"] == web.photo_ids[OBAMA]
    assert states[ids["broken"]]["state"] == "failed" and states[ids["broken"]]["error"]
    added = states[ids["new"]]
    assert added["state"] == "added", added
    assert Photo.get_by_id(added["photo_id"]).status == "ok"
    # moved into the library: the imported uploads are gone, the broken one is kept
    left = [p for p in web.library.uploads.rglob("*") if p.is_file()]
    assert [p.name for p in left] == ["broken.jpg"]


def _state(client: FlaskClient, job_id: int) -> dict:
    (state,) = client.get(f"/api/v1/uploads?ids={job_id}").json["uploads"]
    return state


def _left_in_uploads(web: Built) -> list[str]:
    root = web.library.uploads
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_a_long_japanese_name_uploads_and_imports(
    member: FlaskClient, web: Built, corpus: Path
) -> None:
    name = "夏休みの写真" * 20 + ".jpg"  # 120 characters, 364 bytes of UTF-8
    response = _upload(member, quote(name), (corpus / UPLOADED).read_bytes())
    assert response.status_code == 201, response.data
    stored = response.json["name"]
    assert stored.endswith(".jpg") and stored.startswith("夏休みの写真")
    assert len(stored.encode()) <= 200 and len(safe_name(name).encode()) <= 200
    _run_queue(web)
    state = _state(member, response.json["id"])
    assert state["state"] == "added", state
    assert _left_in_uploads(web) == []


def test_an_imported_upload_leaves_no_folder(member: FlaskClient, web: Built, corpus: Path) -> None:
    response = _upload(member, "cars.jpg", (corpus / UPLOADED).read_bytes())
    assert response.status_code == 201
    assert len(_left_in_uploads(web)) == 2  # uploads/<token>/ and its file
    _run_queue(web)
    assert _state(member, response.json["id"])["state"] == "added"
    assert _left_in_uploads(web) == []


def test_a_full_disk_while_receiving_says_so(member: FlaskClient, web: Built) -> None:
    with small_disk(web.library.uploads, "256k"):
        response = _upload(member, "big.jpg", b"\xff" * (1024 * 1024))
        assert response.status_code == 507 and response.mimetype == "application/json"
        assert response.json == {"error": DISK_FULL}
        assert _left_in_uploads(web) == []  # neither the partial file nor its folder
    assert Job.select().where(Job.source == "upload").count() == 0


def test_a_full_disk_while_importing_fails_the_upload(
    member: FlaskClient, web: Built, corpus: Path
) -> None:
    response = _upload(member, "cars.jpg", (corpus / UPLOADED).read_bytes())
    assert response.status_code == 201
    job_id = response.json["id"]
    with small_disk(web.library.originals, "64k"):  # no room for the library's copy
        _run_queue(web)
        state = _state(member, job_id)
    assert state["state"] == "failed" and state["error"] == DISK_FULL, state
    assert _left_in_uploads(web) == []  # the disk gets its room back


def test_upload_limits_and_rights(app: Flask, member: FlaskClient, web: Built) -> None:
    assert _upload(member, "empty.jpg", b"").status_code == 400
    app.config["SHOEBOX_SETTINGS"].upload_max_mb = 1
    response = _upload(member, "big.jpg", b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413 and "limit" in response.json["error"]
    assert not [p for p in web.library.uploads.rglob("*") if p.is_file()]
    assert Job.select().where(Job.source == "upload").count() == 0
    visitor = app.test_client()  # no session: refused (CSRF, then sign-in) before any write
    assert visitor.post("/api/v1/uploads?name=a.jpg", data=b"x").status_code in (400, 401)
    assert not can(None, "photo.upload") and not can(None, "photo.download")
    assert Job.select().where(Job.source == "upload").count() == 0


def test_safe_names() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\IMG 1.JPG") == "IMG 1.JPG"
    assert safe_name("\x00\x1f.hidden") == "_.hidden"
    assert safe_name("") == "upload"
    assert len(safe_name("a" * 400 + ".jpeg")) <= 120


def test_zip_download_streams_the_originals(member: FlaskClient, web: Built) -> None:
    ids = [web.photo_ids[OBAMA], web.photo_ids["misc/skimage/chelsea.jpg"]]
    response = member.get(f"/api/v1/photos/zip?ids={ids[0]},{ids[1]}", buffered=False)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed
    body = b"".join(response.response)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all("/" not in n for n in names)
        assert archive.testzip() is None
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    assert any(n.endswith("obama.jpg") for n in names)
    assert member.get("/api/v1/photos/zip?ids=").status_code == 400
    assert member.get("/api/v1/photos/zip?ids=999999").status_code == 404


def test_live_snapshot_and_stream(member: FlaskClient, monkeypatch: object) -> None:
    snap = member.get("/api/v1/live").json
    assert snap["count"] > 0 and snap["newest"] > 0 and snap["queue"] == 0
    monkeypatch.setattr(live, "STREAM_SECONDS", 0.1)
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)
    stream = member.get("/api/v1/live", headers={"Accept": "text/event-stream"})
    assert stream.mimetype == "text/event-stream"
    first = stream.text.split("\n\n")[0]
    assert "event: change" in first
    assert json.loads(first.split("data: ", 1)[1]) == snap
    assert member.application.test_client().get("/api/v1/live").status_code == 401


def test_months_for_the_scrubber(member: FlaskClient) -> None:
    months = member.get("/api/v1/timeline/months").json["months"]
    assert months == sorted(months, key=lambda m: m["month"], reverse=True)
    assert {"2023-06", "2022-07"} <= {m["month"] for m in months}


def test_content_addressed_media_is_immutable(member: FlaskClient, web: Built) -> None:
    sha = Photo.get_by_id(web.photo_ids[OBAMA]).primary_sha256
    thumb = member.get(f"/media/thumb/grid/{sha}.jpg")
    parts = sorted(thumb.headers["Cache-Control"].replace(" ", "").split(","))
    assert parts == ["immutable", "max-age=31536000", "public"]
    for page in ("/", "/api/v1/photos", "/static/app.js"):
        assert "immutable" not in member.get(page).headers.get("Cache-Control", "")


def test_the_apps_own_files_are_kept_and_the_session_cookie_stays_put(
    member: FlaskClient, web: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page load asks for none of the app's files again (versioned URLs, kept a year),
    and the unchanged session's cookie is not re-sent with every answer: answers vary by
    the cookie, so a new value every second kept thumbnails out of the browser's cache."""
    page = member.get("/")
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert len(urls) >= 5 and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    for url in urls:
        kept = member.get(url)
        assert kept.status_code == 200
        assert kept.headers["Cache-Control"] == "max-age=31536000, immutable", url
    stale = member.get(urls[0].split("?")[0] + "?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    sha = Photo.get_by_id(web.photo_ids[OBAMA]).primary_sha256
    for url in ("/", f"/media/thumb/grid/{sha}.jpg", urls[0], "/api/v1/photos"):
        assert "Set-Cookie" not in member.get(url).headers, url
    later = time.time() + security.COOKIE_REFRESH + 1
    monkeypatch.setattr(security.time, "time", lambda: later)
    assert "shoebox_session=" in member.get("/").headers["Set-Cookie"]  # its expiry moves on
    assert member.get("/api/v1/photos").status_code == 200


def test_member_uploads_but_visitor_cannot(app: Flask, admin: FlaskClient) -> None:
    create_user("carol", PASSWORD, "member")
    carol = app.test_client()
    sign_in(carol, "carol")
    assert _upload(carol, "a.jpg", b"\xff\xd8 tiny").status_code == 201


def test_empty_trash_deletes_photos_with_named_faces(admin: FlaskClient, web: Built) -> None:
    """A named face deleted with its photo queues no sidecar for a photo that is gone."""
    two = web.photo_ids["faces/face_recognition/two_people.jpg"]
    headers = {"X-CSRF-Token": token(admin)}
    assert admin.delete(f"/api/v1/photos/{two}", headers=headers).status_code == 200
    emptied = admin.delete("/api/v1/trash", headers=headers)
    assert emptied.status_code == 200 and emptied.json["deleted"] == 1
    assert Photo.get_or_none(Photo.id == two) is None


def test_share_link_icon_is_inline_svg(admin: FlaskClient, web: Built) -> None:
    headers = {"X-CSRF-Token": token(admin)}
    album = admin.post("/api/v1/albums", json={"title": "Ours", "photo_ids": []}, headers=headers)
    album_id = album.json["id"]
    shared = admin.post(f"/api/v1/albums/{album_id}/shares", json={}, headers=headers)
    assert shared.status_code in (200, 201)
    page = admin.get(f"/albums/{album_id}").text
    assert '<svg class="svgico"' in page and "🔗" not in page
    assert "fonts.googleapis" not in page and "@font-face" not in page


def test_served_quietly_with_enough_threads(tmp_path: Path) -> None:
    """waitress's "Task queue depth" notices stay out of the default log; live streams do
    not starve the pages of threads."""
    import logging

    from appliance.config import Settings
    from appliance.daemon import WEB_THREADS, WebServer, placeholder_app

    server = WebServer(Settings(library=tmp_path, port=0), app=placeholder_app)
    try:
        assert logging.getLogger("waitress.queue").getEffectiveLevel() > logging.WARNING
        assert server.server.adj.threads == WEB_THREADS >= 8
    finally:
        server.server.close()


def test_uploading_a_trashed_photo_restores_it(
    admin: FlaskClient, web: Built, corpus: Path
) -> None:
    """Issue 28.3: the upload of content whose photo is in the trash brings the photo back;
    the upload is never deleted as a "duplicate" of a photo that emptying the trash removes."""
    photo_id = web.photo_ids[OBAMA]
    headers = {"X-CSRF-Token": token(admin)}
    assert admin.delete(f"/api/v1/photos/{photo_id}", headers=headers).status_code == 200
    sent = _upload(admin, "obama again.jpg", (corpus / OBAMA).read_bytes())
    assert sent.status_code == 201, sent.json
    _run_queue(web)
    state = admin.get(f"/api/v1/uploads?ids={sent.json['id']}").json["uploads"][0]
    assert state["state"] == "restored" and state["photo_id"] == photo_id, state
    assert Photo.get_by_id(photo_id).trashed_at is None
    assert admin.delete("/api/v1/trash", headers=headers).status_code == 200
    stored = [p for p in web.library.originals.rglob("*.jpg") if ".trash" not in p.parts]
    kept = {p.read_bytes() for p in stored}
    assert (corpus / OBAMA).read_bytes() in kept, "emptying the trash lost the only copy"
    assert Photo.get_or_none(Photo.id == photo_id) is not None
