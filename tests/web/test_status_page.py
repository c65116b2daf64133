"""The status page answers "is my box OK?": one headline (fine, needs a look, a problem)
made from what a family cares about (imports and their failures with reasons, disk space,
the second copy, the import service), counts that agree with the other pages, and the
box's insides (accelerator, folder paths) for admins only. With the real upload queue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from peewee import fn
from web_fixtures import Built, token

from appliance import status
from appliance.catalog import queue as job_queue
from appliance.catalog.models import Job, Photo
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor
from appliance.librarybackup import schedule
from appliance.librarybackup.targets import TargetStore


def _upload_and_import(client: FlaskClient, web: Built, name: str, data: bytes) -> None:
    sent = client.post(
        f"/api/v1/uploads?name={name}",
        data=data,
        headers={"X-CSRF-Token": token(client), "Content-Type": "application/octet-stream"},
    )
    assert sent.status_code == 201
    with Ingestor(web.settings, web.library) as ingestor:
        jobs.execute(ingestor, job_queue.claim_due(50), lambda _uuid: True)


def test_a_failed_import_asks_for_a_look_with_its_reason(
    member: FlaskClient, admin: FlaskClient, web: Built, corpus: Path
) -> None:
    before = member.get("/api/v1/status").json["health"]
    assert before["state"] == "attention"
    assert before["headline"] == "There is no second copy of the library yet: see below."
    new = (corpus / "misc/dlib/mmod_cars_test_image2.jpg").read_bytes()
    _upload_and_import(member, web, "cars.jpg", new)
    _upload_and_import(member, web, "broken.jpg", b"\xff\xd8\xff\xe0 not a jpeg" * 20)
    st = member.get("/api/v1/status").json
    assert st["today"]["added"] == 1 and st["today"]["failed"] == 1
    assert st["health"]["state"] == "attention"
    assert st["health"]["headline"] == "1 file could not be imported today: see the problems below."
    problem = next(e for e in st["errors"] if e["path"].endswith("broken.jpg"))
    assert problem["error"]  # the reason, in words
    # one count of the library everywhere: the status page, Settings, the photo table
    photos = Photo.select().where((Photo.status == "ok") & Photo.trashed_at.is_null()).count()
    assert st["library"]["photos"] == photos
    assert f"{photos} photos and videos in the library" in st["health"]["details"][0]
    settings = admin.get("/settings").get_data(as_text=True)
    assert re.search(rf"\b{photos} photos ·", settings)
    page = member.get("/status").get_data(as_text=True)
    assert 'data-state="attention"' in page and "could not be imported today" in page


def test_files_waiting_without_the_service_is_a_problem(member: FlaskClient) -> None:
    Job.create(path="/inbox/a.jpg", state="pending")
    health = member.get("/api/v1/status").json["health"]
    assert (
        health["state"] == "problem" and "the import service is not running" in health["headline"]
    )
    assert "1 file waiting to be imported." in health["details"]


def test_a_nearly_full_disk_is_a_problem(member: FlaskClient, monkeypatch) -> None:  # noqa: ANN001
    """The real disk's free space, against a threshold above it."""
    monkeypatch.setattr(status, "LOW_DISK_BYTES", 2**62)
    health = member.get("/api/v1/status").json["health"]
    assert health["state"] == "problem" and "almost full" in health["headline"]


def test_the_boxs_insides_are_for_admins(member: FlaskClient, admin: FlaskClient) -> None:
    as_member = member.get("/status").get_data(as_text=True)
    as_admin = admin.get("/status").get_data(as_text=True)
    for inside in ('id="st-accelerator"', 'id="st-sources"'):
        assert inside not in as_member and inside in as_admin
    for both in ("Is my box OK?", 'id="st-health"', "Second copy of the library", "Phones"):
        assert both in as_member and both in as_admin
    assert "There is no second copy of the library yet" in as_member  # said at the top


def test_fine_is_said_only_when_all_is_fine(
    app: Flask, member: FlaskClient, tmp_path: Path
) -> None:
    """A second copy backed up an hour ago, nothing failed, nothing waiting: fine; the
    same copy nine days old: it needs a look."""
    state = tmp_path / "backup-state"
    app.config["SHOEBOX_SETTINGS"].backup_state = state
    store = TargetStore(state)
    store.add("usb", str(tmp_path / "usb"), "key")
    newest = Photo.select(fn.MAX(Photo.id)).scalar()
    recent = schedule.now() - dt.timedelta(hours=1)
    store.write_status(
        "usb", {"last_success": schedule.stamp(recent), "backed_up_max_photo_id": newest}
    )
    fine = member.get("/api/v1/status").json["health"]
    assert (fine["state"], fine["headline"]) == ("ok", "Everything is fine."), fine
    old = schedule.now() - dt.timedelta(days=9)
    store.write_status(
        "usb", {"last_success": schedule.stamp(old), "backed_up_max_photo_id": newest}
    )
    stale = member.get("/api/v1/status").json["health"]
    assert stale["state"] == "attention" and "second copy" in stale["headline"]
