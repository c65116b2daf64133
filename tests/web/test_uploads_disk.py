"""Browser uploads (issue 28, item 7): names are limited in bytes as filesystems count
them, an upload leaves no folder behind, and a full disk is said plainly (507, JSON) with
the upload marked failed instead of "waiting" for ever."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask.testing import FlaskClient
from small_disk import small_disk
from web_fixtures import Built, token

from appliance.catalog import queue as job_queue
from appliance.catalog.models import Job
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor
from appliance.web.uploads import safe_name

NEW = "misc/dlib/mmod_cars_test_image2.jpg"  # not in the web library yet
DISK_FULL = "the library disk is full"


def _upload(client: FlaskClient, name: str, data: bytes) -> object:
    return client.post(
        f"/api/v1/uploads?name={quote(name)}",
        data=data,
        headers={"X-CSRF-Token": token(client), "Content-Type": "application/octet-stream"},
    )


def _run_queue(web: Built) -> None:
    """What the service's main loop does with due jobs (one batch, the real pipeline)."""
    with Ingestor(web.settings, web.library) as ingestor:
        jobs.execute(ingestor, job_queue.claim_due(50), lambda _uuid: True)


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
    response = _upload(member, name, (corpus / NEW).read_bytes())
    assert response.status_code == 201, response.data
    stored = response.json["name"]
    assert stored.endswith(".jpg") and stored.startswith("夏休みの写真")
    assert len(stored.encode()) <= 200 and len(safe_name(name).encode()) <= 200
    _run_queue(web)
    state = _state(member, response.json["id"])
    assert state["state"] == "added", state
    assert _left_in_uploads(web) == []


def test_an_imported_upload_leaves_no_folder(member: FlaskClient, web: Built, corpus: Path) -> None:
    response = _upload(member, "cars.jpg", (corpus / NEW).read_bytes())
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
    response = _upload(member, "cars.jpg", (corpus / NEW).read_bytes())
    assert response.status_code == 201
    job_id = response.json["id"]
    with small_disk(web.library.originals, "64k"):  # no room for the library's copy
        _run_queue(web)
        state = _state(member, job_id)
    assert state["state"] == "failed" and state["error"] == DISK_FULL, state
    assert _left_in_uploads(web) == []  # the disk gets its room back
