"""The camera share's account from the settings page (issue 25, item 3): admins only, the
request left for the root helper (mode 0600), typed JSON errors, the state read back.
The helper itself (adduser, smbpasswd) runs in the VM: tests/system, phase_share."""

from __future__ import annotations

import json
import stat

from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import token

from appliance import camera_share


def _h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def test_an_admin_sets_the_account_and_the_request_waits_for_the_helper(
    app: Flask, admin: FlaskClient
) -> None:
    folder = app.config["SHOEBOX_SETTINGS"].camera_share_dir
    assert admin.get("/api/v1/camera-share").json["username"] is None
    reply = admin.put(
        "/api/v1/camera-share",
        json={"username": "camera", "password": "a long share password"},
        headers=_h(admin),
    )
    assert reply.status_code == 200 and reply.json["pending"] is True
    request = folder / camera_share.REQUEST
    assert stat.S_IMODE(request.stat().st_mode) == 0o600
    assert request.read_text() == "1\ncamera\na long share password\n"
    assert not list(folder.glob(".*partial"))
    # what the root helper leaves behind is what the page shows
    request.unlink()
    (folder / camera_share.STATE).write_text(
        json.dumps({"username": "camera", "enabled": True, "applied_at": "2026-12-03T10:00:00Z"})
    )
    shown = admin.get("/api/v1/camera-share").json
    assert shown["username"] == "camera" and shown["enabled"] and not shown["pending"]
    off = admin.delete("/api/v1/camera-share", headers=_h(admin))
    assert off.status_code == 200 and request.read_text() == "0\ncamera\n\n"


def test_refused_accounts_are_json_400s_and_leave_no_request(
    app: Flask, admin: FlaskClient
) -> None:
    folder = app.config["SHOEBOX_SETTINGS"].camera_share_dir
    for username, password, says in (
        ("Camera", "a long share password", "lower-case"),
        ("../etc", "a long share password", "lower-case"),
        ("root", "a long share password", "box's own accounts"),
        ("shoebox", "a long share password", "box's own accounts"),
        ("camera", "short", "8 to 128"),
        ("camera", "two\nlines here", "line breaks"),
        (None, "a long share password", "lower-case"),
    ):
        reply = admin.put(
            "/api/v1/camera-share",
            json={"username": username, "password": password},
            headers=_h(admin),
        )
        assert reply.status_code == 400 and says in reply.json["error"], (username, reply.json)
    assert not (folder / camera_share.REQUEST).exists()
    reply = admin.delete("/api/v1/camera-share", headers=_h(admin))
    assert reply.status_code == 400 and "no account" in reply.json["error"]


def test_members_and_strangers_cannot_touch_the_share(app: Flask, member: FlaskClient) -> None:
    body = {"username": "camera", "password": "a long share password"}
    assert member.get("/api/v1/camera-share").status_code == 403
    assert member.put("/api/v1/camera-share", json=body, headers=_h(member)).status_code == 403
    assert app.test_client().get("/api/v1/camera-share").status_code == 401
    folder = app.config["SHOEBOX_SETTINGS"].camera_share_dir
    assert not (folder / camera_share.REQUEST).exists()


def test_the_settings_page_offers_the_share(admin: FlaskClient) -> None:
    page = admin.get("/settings").text
    assert 'id="camera-share-form"' in page and "camera_share.js" in page
