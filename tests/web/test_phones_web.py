"""The Phones page and its API (issue 21): a member's own phones, an app password shown
once with a QR code, revoke, the 7-day flag; the app password opens WebDAV only."""

from __future__ import annotations

import base64
import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import PASSWORD, sign_in, token

from appliance.catalog.models import Phone
from appliance.catalog.users import create_user


def _h(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": token(client)}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_member_adds_sees_and_revokes_a_phone(empty_app: Flask, empty_admin: FlaskClient) -> None:
    create_user("bob", PASSWORD, "member")
    bob = empty_app.test_client()
    assert sign_in(bob, "bob").status_code == 302
    assert "Back up a phone" in bob.get("/phones").text

    added = bob.post("/api/v1/phones", json={"name": "Bob's phone"}, headers=_h(bob))
    assert added.status_code == 201, added.text
    new = added.get_json()
    assert new["username"] == "bob" and len(new["password"]) >= 24
    assert new["webdav"].endswith("/remote.php/dav/files/bob/")
    assert new["qr_svg"].startswith("<svg") and added.headers["Cache-Control"] == "no-store"

    listed = bob.get("/api/v1/phones").get_json()["phones"]
    assert [p["name"] for p in listed] == ["Bob's phone"] and "password" not in listed[0]
    assert empty_admin.get("/api/v1/phones").get_json()["phones"] == []  # own phones only
    assert (
        empty_admin.delete(f"/api/v1/phones/{new['id']}", headers=_h(empty_admin)).status_code
        == 404
    )
    again = bob.post("/api/v1/phones", json={"name": "Bob's phone"}, headers=_h(bob))
    assert again.status_code == 400 and "already" in again.get_json()["error"]

    dav = empty_app.test_client()
    folder = "/remote.php/dav/files/bob/"
    assert (
        dav.open(folder, method="PROPFIND", headers=_basic("bob", new["password"])).status_code
        == 207
    )
    assert sign_in(dav, "bob", new["password"]).status_code == 401  # not a web password
    assert bob.delete(f"/api/v1/phones/{new['id']}", headers=_h(bob)).status_code == 200
    assert (
        dav.open(folder, method="PROPFIND", headers=_basic("bob", new["password"])).status_code
        == 401
    )


def test_a_phone_silent_for_a_week_is_flagged(empty_app: Flask, empty_admin: FlaskClient) -> None:
    for name, days in (("fresh", 1), ("silent", 8)):
        empty_admin.post("/api/v1/phones", json={"name": name}, headers=_h(empty_admin))
        when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
        Phone.update(last_backup_at=when, files=3).where(Phone.name == name).execute()
    phones = {p["name"]: p for p in empty_admin.get("/api/v1/phones").get_json()["phones"]}
    assert (phones["fresh"]["stale"], phones["silent"]["stale"]) == (False, True)
    status = empty_admin.get("/status").text
    assert "fresh (alice)" in status and "8 d ago" in status


def test_the_phones_page_and_api_need_a_sign_in(empty_app: Flask) -> None:
    stranger = empty_app.test_client()
    assert stranger.get("/phones").status_code in (302, 401)
    assert stranger.get("/api/v1/phones").status_code == 401
    assert stranger.open("/remote.php/webdav/", method="PROPFIND").status_code == 401


def test_on_the_appliance_phones_get_the_https_address_and_the_certificate_to_trust(
    empty_app: Flask, empty_admin: FlaskClient, tmp_path
) -> None:
    from cryptography import x509

    from appliance.https import certificates

    assert empty_admin.get("/phones/shoebox-ca.crt").status_code == 404  # make run: no HTTPS
    assert "phone-https" not in empty_admin.get("/phones").text
    folder = tmp_path / "tls"
    certificates.ensure(folder, certificates.box_names())
    empty_app.config["SHOEBOX_SETTINGS"].https_certificates = folder
    fingerprint = certificates.fingerprint(certificates.authority(folder))

    page = empty_admin.get("/phones").text
    assert fingerprint in page and "https://localhost/" in page
    listed = empty_admin.get("/api/v1/phones").get_json()
    assert listed["https"]["fingerprint"] == fingerprint
    added = empty_admin.post("/api/v1/phones", json={"name": "Pixel"}, headers=_h(empty_admin))
    assert added.get_json()["webdav"] == "https://localhost/remote.php/dav/files/alice/"
    crt = empty_admin.get("/phones/shoebox-ca.crt")
    assert crt.status_code == 200 and crt.mimetype == "application/x-x509-ca-cert"
    assert x509.load_pem_x509_certificate(crt.data) == certificates.authority(folder)
    profile = empty_admin.get("/phones/shoebox.mobileconfig")
    assert profile.mimetype == "application/x-apple-aspen-config"
    assert b"com.apple.security.root" in profile.data
    assert empty_app.test_client().get("/phones/shoebox-ca.crt").status_code in (302, 401)
    assert b"PRIVATE KEY" not in crt.data + profile.data
