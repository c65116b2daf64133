"""Moving in from the web UI, with the real service: an admin sees the Takeout on a plugged
drive (an export folder), asks for it, and the service imports it by itself (a `shoebox
import` child), photos, dates and all; a member may not; no path but an offered folder is
reachable; a request survives a service restart."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest
from phone_box import Box
from torture import Client

from appliance.migrate import requests

ROOT = "Takeout/Google Photos"


def _takeout(drive: Path, corpus: Path) -> Path:
    """A one-part Takeout with two photos and their JSONs, on a 'drive'."""
    folder = drive / "Takeout from Google"
    folder.mkdir(parents=True)
    part = folder / "takeout-20261204T000000Z-001.zip"
    with zipfile.ZipFile(part, "w") as zf:
        for i, rel in enumerate(("misc/skimage/chelsea.jpg", "misc/skimage/coffee.jpg")):
            name = Path(rel).name
            zf.writestr(f"{ROOT}/Photos from 2019/{name}", (corpus / rel).read_bytes())
            meta = {"photoTakenTime": {"timestamp": str(1559390400 + 60 * i)}}
            zf.writestr(f"{ROOT}/Photos from 2019/{name}.json", json.dumps(meta))
    return folder


def _call(client: Client, method: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    status, raw = client.call(method, "/api/v1/moving-in", data, "application/json")
    return status, json.loads(raw or b"{}")


def _photos(box: Box) -> list[dict]:
    return box.catalogued()


def test_an_admin_brings_a_takeout_home_from_the_web(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drives = tmp_path / "media"
    folder = _takeout(drives / "usb-stick", corpus)
    monkeypatch.setenv("SHOEBOX_EXPORT_FOLDERS", str(drives))
    box = Box(tmp_path / "box", "")
    try:
        member = Client(box.service.port, user="bob")
        assert _call(member, "GET")[0] == 403
        admin = Client(box.service.port)
        status, listing = _call(admin, "GET")
        assert status == 200 and listing["asked"] == []
        assert listing["offered"] == [
            {
                "folder": str(folder),
                "kind": "Google Takeout",
                "parts": ["takeout-20261204T000000Z-001.zip"],
            }
        ]
        for elsewhere in ("/etc", str(drives), str(tmp_path)):  # only an offered folder
            assert _call(admin, "POST", {"folder": elsewhere})[0] == 404
        assert _call(member, "POST", {"folder": str(folder)})[0] == 403
        status, asked = _call(admin, "POST", {"folder": str(folder)})
        assert status == 202 and asked["asked"] == [str(folder / listing["offered"][0]["parts"][0])]

        deadline = time.monotonic() + 120
        while requests.pending(box.library) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not requests.pending(box.library), (box.library / "migrations").iterdir()
        photos = _photos(box)
        taken = sorted(p["taken_at"] for p in photos)
        assert taken == ["2019-06-01T12:00:00+00:00", "2019-06-01T12:01:00+00:00"]
        page = admin.call("GET", "/status")[1].decode()
        assert "Moving in" in page and "Bring it home" in page
        assert (folder / "takeout-20261204T000000Z-001.zip").is_file()  # only read
    finally:
        box.service.process.kill()


def test_a_request_survives_a_restart(tmp_path: Path, corpus: Path, monkeypatch) -> None:  # noqa: ANN001
    """Asked while the service is down (or cut by a restart): the next start runs it."""
    drives = tmp_path / "media"
    folder = _takeout(drives / "usb-stick", corpus)
    monkeypatch.setenv("SHOEBOX_EXPORT_FOLDERS", str(drives))
    box = Box(tmp_path / "box", "")
    try:
        box.service.stop()
        requests.ask(box.library, sorted(folder.glob("*.zip")))
        box.service.start_and_wait()
        deadline = time.monotonic() + 120
        while requests.pending(box.library) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not requests.pending(box.library)
        assert len(_photos(box)) == 2
    finally:
        box.service.process.kill()


def test_an_import_that_keeps_dying_is_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request whose `shoebox import` dies (here: its archive vanished, exit 2) is tried
    three times, then set aside as .failed with its log; it never blocks the next one."""
    monkeypatch.setattr(requests, "RETRY_AFTER", 0.0)
    library = tmp_path / "library"
    library.mkdir()
    gone = tmp_path / "takeout-20261204T000000Z-001.zip"
    asked = requests.ask(library, [gone])
    runner = requests.MovingIn(library)
    deadline = time.monotonic() + 120
    while requests.pending(library) and time.monotonic() < deadline:
        runner.run_if_due()
        time.sleep(0.05)
    assert not requests.pending(library)
    assert asked.file.with_suffix(".failed").is_file()
    assert asked.file.with_suffix(".log").read_text().strip()  # what it said, kept
