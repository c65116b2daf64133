"""Shoebox as an app on the home screen: the web-app manifest (name, icons, full screen,
Android's share sheet), the service worker and the page it shows when the box cannot be
reached. All public: a browser fetches them without the session (the manifest without
cookies at all), and none of them holds anything of the family's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, send_from_directory, url_for

from appliance.web.security import public

bp = Blueprint("app_shell", __name__)

THEME_COLOUR = "#15181d"
SHARE_TARGET = "/share-target"  # the service worker takes this POST; no request reaches Flask


def manifest_json() -> dict[str, Any]:
    """The manifest: what Chrome and Safari install, and what the share sheet offers."""

    def icon(name: str, size: int, purpose: str = "any") -> dict[str, str]:
        src = url_for("static", filename=f"icons/{name}")
        return {"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}

    return {
        "id": "/",
        "name": "Shoebox",
        "short_name": "Shoebox",
        "description": "The family's photos, kept at home",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": THEME_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": [
            icon("icon-192.png", 192),
            icon("icon-512.png", 512),
            icon("maskable-192.png", 192, "maskable"),
            icon("maskable-512.png", 512, "maskable"),
        ],
        "share_target": {  # Android: "Share" -> Shoebox adds the photos (static/sw.js)
            "action": SHARE_TARGET,
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"files": [{"name": "photos", "accept": ["image/*", "video/*"]}]},
        },
    }


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    response = jsonify(manifest_json())
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _uncached_static(name: str) -> Response:
    """A static file the browser asks for again each time (no-cache): a new version of
    the service worker or its page reaches every phone at its next visit."""
    response = send_from_directory(current_app.static_folder, name, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@public
def service_worker() -> Response:
    """Served from the root so that it controls every page (its scope is its folder)."""
    return _uncached_static("sw.js")


@bp.get("/offline")
@public
def offline() -> Response:
    """What the service worker shows when the box cannot be reached (kept in its cache)."""
    return _uncached_static("offline.html")
