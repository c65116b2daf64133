"""The part of Nextcloud's client protocol its sync clients need before they use WebDAV:
``GET /status.php`` (is this a server?), the OCS capabilities and the signed-in user.

Only what the clients read is answered, and nothing pretends to be more: there is no file
sharing, no versions, no trash over OCS; any other OCS path is a 404 in OCS form.
Capabilities advertise chunked upload (`phones.chunks`): large files arrive in parts.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

VERSION = {"major": 28, "minor": 0, "micro": 0, "string": "28.0.0", "edition": ""}
STATUS = {
    "installed": True,
    "maintenance": False,
    "needsDbUpgrade": False,
    "version": "28.0.0.0",
    "versionstring": "28.0.0",
    "edition": "",
    "productname": "Shoebox",
    "extendedSupport": False,
}
CAPABILITIES = {
    "core": {"pollinterval": 60, "webdav-root": "remote.php/webdav"},
    "files": {"bigfilechunking": True, "versioning": False, "undelete": False},
    "dav": {"chunking": "1.0"},  # chunked upload (phones.chunks)
}
PATHS = ("/status.php", "/ocs/v1.php/", "/ocs/v2.php/")


def handles(path: str) -> bool:
    return path == PATHS[0] or path.startswith(PATHS[1:])


def _json(start_response: Callable, status: str, data: Any, extra: list | None = None) -> list:
    body = json.dumps(data).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


def _ocs(start_response: Callable, version: int, code: int, message: str, data: Any) -> list:
    """An OCS answer (v1: status code 100 means OK; v2: the HTTP codes)."""
    ok = code == 200
    meta = {
        "status": "ok" if ok else "failure",
        "statuscode": (100 if ok else code) if version == 1 else code,
        "message": message,
    }
    http = "200 OK" if ok or version == 1 else f"{code} {message}"
    return _json(start_response, http, {"ocs": {"meta": meta, "data": data}})


def _signed_in_user(environ: dict, check: Callable[[str, str, dict], bool]) -> str | None:
    scheme, _, encoded = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user if check(user, password, environ) else None


def app(check: Callable[[str, str, dict], bool]) -> Callable:
    """The WSGI app for ``PATHS``; ``check(user, app password, environ)`` signs in (the
    WebDAV side's check, with its rate limit)."""

    def serve(environ: dict, start_response: Callable) -> list:
        path = environ.get("PATH_INFO", "")
        if path == "/status.php":
            return _json(start_response, "200 OK", STATUS)
        version = 2 if path.startswith("/ocs/v2.php/") else 1
        user = _signed_in_user(environ, check)
        if user is None:
            return _json(
                start_response,
                "401 Unauthorized",
                {
                    "ocs": {
                        "meta": {
                            "status": "failure",
                            "statuscode": 997,
                            "message": "sign in with an app password",
                        },
                        "data": [],
                    }
                },
                [("WWW-Authenticate", 'Basic realm="Shoebox"')],
            )
        endpoint = path.split(".php", 1)[1]
        if endpoint == "/cloud/capabilities":
            return _ocs(
                start_response,
                version,
                200,
                "OK",
                {"version": VERSION, "capabilities": CAPABILITIES},
            )
        if endpoint in ("/cloud/user", f"/cloud/users/{user}"):
            return _ocs(
                start_response,
                version,
                200,
                "OK",
                {"id": user, "display-name": user, "email": None},
            )
        return _ocs(start_response, version, 404, "Not Found", [])

    return serve
