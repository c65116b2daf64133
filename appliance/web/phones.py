"""The Phones page (account menu): a member adds a phone and gets the server address, their
user name and a new app password, shown once, as text and as a QR code (the Nextcloud
apps' ``nc://login`` form); sees each phone's last backup; revokes a phone.

``GET /api/v1/phones``, ``POST /api/v1/phones`` ({"name"}) and
``DELETE /api/v1/phones/<id>`` (OpenAPI: `web.openapi_family`): a member's own phones
only (action ``phone.own``).

On the appliance (``https_certificates`` set) phones are given the HTTPS address, and the
page offers the box's certificate authority to trust: as a file, as an iOS profile, and its
fingerprint to compare with what the phone shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for

from appliance.catalog.models import Phone
from appliance.catalog.phones import own_phone
from appliance.https import certificates
from appliance.https.profile import mobileconfig
from appliance.phones import devices
from appliance.web.api import body, fail
from appliance.web.permissions import require

bp = Blueprint("phones", __name__)
STALE_AFTER = dt.timedelta(days=7)


def _as_json(phone: Phone, now: dt.datetime) -> dict[str, Any]:
    since = phone.last_backup_at or phone.created_at
    return {
        "id": phone.id,
        "name": phone.name,
        "created_at": phone.created_at.isoformat() + "Z",
        "last_backup_at": phone.last_backup_at.isoformat() + "Z" if phone.last_backup_at else None,
        "files": phone.files,
        "bytes": phone.bytes,
        "stale": now - since > STALE_AFTER,
    }


def _authority() -> Any:
    """The box's certificate authority when it serves HTTPS, else None (read once per
    request)."""
    if "https_authority" not in g:
        folder = current_app.config["SHOEBOX_SETTINGS"].https_certificates
        g.https_authority = None if str(folder) in ("", ".") else certificates.authority(folder)
    return g.https_authority


def _authority_to_trust() -> Any:
    """The authority for a phone to download (the caller may; 404 without HTTPS)."""
    require(g.user, "phone.own")
    ca = _authority()
    if ca is None:
        fail(404, "this box does not serve HTTPS")
    return ca


def _host() -> str:
    """The name the browser used for the box, without a port."""
    host = request.host
    if host.startswith("["):  # [IPv6 address]:port
        return host[: host.index("]") + 1]
    return host.split(":", 1)[0]


def _server() -> str:
    """The address phones back up to: HTTPS (port 443) when the box serves it."""
    if _authority() is not None:
        return f"https://{_host()}"
    return request.host_url.rstrip("/")


def _https() -> dict[str, str] | None:
    ca = _authority()
    if ca is None:
        return None
    return {
        "address": f"https://{_host()}/",
        "fingerprint": certificates.fingerprint(ca),
        "certificate": url_for("phones.authority_file"),
        "profile": url_for("phones.authority_profile"),
    }


def login_link(server: str, username: str, password: str) -> str:
    """What the Nextcloud apps read from a QR code to sign in."""
    return f"nc://login/user:{username}&password:{password}&server:{server}"


@bp.get("/phones")
def page() -> str:
    require(g.user, "phone.own")
    return render_template(
        "phones.html",
        title="Phones",
        server=_server(),
        webdav=f"{_server()}/remote.php/dav/files/{g.user.username}/",
        https=_https(),
    )


@bp.get("/api/v1/phones")
def list_phones() -> Any:
    require(g.user, "phone.own")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    phones = devices.list_phones(g.user.username)
    return jsonify(phones=[_as_json(p, now) for p in phones], server=_server(), https=_https())


@bp.post("/api/v1/phones")
def add_phone() -> Any:
    require(g.user, "phone.own")
    name = body().get("name")
    if not isinstance(name, str):
        fail(400, "name the phone")
    new = devices.add_phone(g.user.username, name)
    link = login_link(_server(), g.user.username, new.password)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    response = jsonify(
        _as_json(new.phone, now)
        | {
            "server": _server(),
            "webdav": f"{_server()}/remote.php/dav/files/{g.user.username}/",
            "username": g.user.username,
            "password": new.password,
            "qr_svg": segno.make(link, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
        }
    )
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"  # the password is shown once
    return response


@bp.delete("/api/v1/phones/<int:phone_id>")
def revoke(phone_id: int) -> Any:
    require(g.user, "phone.own")
    phone = own_phone(phone_id, g.user.id)
    if phone is None:
        fail(404, "no such phone")
    devices.revoke_phone(g.user.username, phone.name)
    return jsonify(revoked=phone_id)


@bp.get("/phones/shoebox-ca.crt")
def authority_file() -> Any:
    """The box's certificate authority (PEM), for Android and computers to trust."""
    ca = _authority_to_trust()
    from cryptography.hazmat.primitives.serialization import Encoding

    return Response(
        ca.public_bytes(Encoding.PEM),
        mimetype="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="shoebox-ca.crt"'},
    )


@bp.get("/phones/shoebox.mobileconfig")
def authority_profile() -> Any:
    """The same authority as an iOS configuration profile."""
    ca = _authority_to_trust()
    return Response(
        mobileconfig(ca, _host()),
        mimetype="application/x-apple-aspen-config",
        headers={"Content-Disposition": 'attachment; filename="shoebox.mobileconfig"'},
    )
