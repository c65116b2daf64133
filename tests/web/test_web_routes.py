"""Every route: refused without a session (except the public ones), works with one."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import Built

from appliance.catalog.users import create_user
from appliance.web.openapi import ROUTES
from appliance.web.openapi_family import ROUTES as FAMILY_ROUTES
from appliance.web.openapi_moments import ROUTES as MOMENTS_ROUTES
from appliance.web.openapi_timeline import OPERATIONS as TIMELINE_OPERATIONS

PUBLIC = {
    "auth.setup",
    "auth.login",
    "static",
    "share.album",
    "share.photos",
    "share.thumb",
    "share.unlock",
    "share.download",
    "share.save_photo",
    "app_shell.manifest",
    "app_shell.service_worker",
    "app_shell.offline",
}
SAMPLE = {
    "photo_id": "1",
    "person_id": "1",
    "album_id": "1",
    "face_id": "1",
    "share_id": "1",
    "user_id": "1",
    "name": "cat",
    "size": "grid",
    "token": "x" * 43,
    "filename": "app.css",
    "sha256": "0" * 64,
    "stack_id": "1",
    "undo_id": "1",
    "phone_id": "1",
    "country_code": "IT",
    "z": "0",
    "x": "0",
    "y": "0",
}


def concrete(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_0-9]+)>", lambda m: SAMPLE[m.group(1)], rule)


def test_every_non_public_route_refuses_anonymous(app: Flask) -> None:
    create_user("alice", "correct horse battery", "admin")  # setup is over
    client = app.test_client()
    seen = set()
    for rule in app.url_map.iter_rules():
        seen.add(rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = concrete(rule.rule)
            response = client.open(url, method=method)
            if rule.endpoint in PUBLIC:
                assert response.status_code not in (401, 302) or rule.endpoint == "auth.setup"
                continue
            if method == "GET" and not url.startswith(("/api/", "/media/")):
                assert response.status_code == 302, url
                assert response.headers["Location"].startswith("/login"), url
            elif method == "GET":
                assert response.status_code == 401, url
                assert response.json == {"error": "sign in first"}
            else:  # writes fail the CSRF check first (no session, no token)
                assert response.status_code in (400, 401), (method, url)
    assert seen >= PUBLIC


def test_anonymous_writes_with_a_token_still_need_a_session(app: Flask) -> None:
    create_user("alice", "correct horse battery", "admin")
    client = app.test_client()
    tok = re.search(r'csrf-token" content="([^"]+)', client.get("/login").text).group(1)
    response = client.post("/api/v1/albums", json={"title": "x"}, headers={"X-CSRF-Token": tok})
    assert response.status_code == 401


def test_pages_render_for_a_member(member: FlaskClient, web: Built) -> None:
    two = web.photo_ids["faces/face_recognition/two_people.jpg"]
    pages = [
        "/",
        "/favorites",
        "/archive",
        "/search?q=cat",
        "/labels",
        "/people",
        f"/people/{web.obama_id}",
        "/people/unknown",
        "/albums",
        "/status",
        f"/photo/{two}",
    ]
    for url in pages:
        response = member.get(url)
        assert response.status_code == 200, url
        assert "<title>" in response.text and 'name="csrf-token"' in response.text
    assert member.get("/photo/999999").status_code == 404
    assert member.get("/people/999999").status_code == 404
    assert member.get("/albums/999999").status_code == 404
    bad = member.get("/search?q=lable:cat")
    assert bad.status_code == 400 and "unknown filter" in bad.text


def test_security_headers(member: FlaskClient) -> None:
    response = member.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_openapi_describes_every_api_route(member: FlaskClient, app: Flask) -> None:
    spec = member.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    actual = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1") :])
            actual |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == actual
    timeline = sum(len(ops) for ops in TIMELINE_OPERATIONS.values())
    assert len(ROUTES) + len(MOMENTS_ROUTES) + len(FAMILY_ROUTES) + timeline == len(actual)


def test_unknown_api_route_is_json_404(member: FlaskClient) -> None:
    response = member.get("/api/v1/nope")
    assert response.status_code == 404 and "error" in response.json


def test_the_viewer_shows_the_local_time_without_utc_noise(web: Built, admin: FlaskClient) -> None:
    """A Nikon photo from Arezzo has no EXIF offset; its place gives it Italy's summer time.
    The heading says the local time only; the zone is one line in the details."""
    photo_id = web.photo_ids["exif/exif-samples/gps/DSCN0021.jpg"]
    html = admin.get(f"/photo/{photo_id}").get_data(as_text=True)
    heading = re.search(r'<h2 class="date">(.*?)</h2>', html, re.S)
    assert heading is not None
    assert "2008-10-22" in heading[1] and "16:38" in heading[1] and "UTC" not in heading[1]
    assert re.search(r"<dt>Time zone</dt><dd>UTC\+02:00</dd>", html)
