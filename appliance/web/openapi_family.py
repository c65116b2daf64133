"""OpenAPI entries (with response schemas) of the faces, people and search-suggestion
routes (web/people_api.py) and the share-link options."""

from __future__ import annotations

from typing import Any

from appliance.web import openapi_moments

_ID = {"type": "integer"}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_CHOICE = {
    "type": "object",
    "required": ["person_id", "name", "suggested"],
    "properties": {
        "person_id": _ID,
        "name": _STR,
        "distance": {"type": ["number", "null"]},
        "suggested": _BOOL,
    },
}
_FACE = {
    "type": "object",
    "required": ["id", "photo_id", "crop_url"],
    "properties": {
        "id": _ID,
        "photo_id": _ID,
        "person_id": {"type": ["integer", "null"]},
        "crop_url": _STR,
        "suggestion": {"oneOf": [{"type": "null"}, _CHOICE]},
        "group": {"type": ["integer", "null"]},
    },
}
_FACES = {"type": "array", "items": _FACE}
_SUGGESTION = {
    "type": "object",
    "required": ["kind", "text", "query", "count"],
    "properties": {
        "kind": {"enum": ["label", "person", "place", "album", "camera"]},
        "text": _STR,
        "query": _STR,
        "count": _ID,
    },
}


_SETTINGS = {
    "type": "object",
    "required": ["share_base_url", "timeline_hides_screenshots", "memories_hide_screenshots"],
    "properties": {
        "share_base_url": {"type": ["string", "null"]},
        "timeline_hides_screenshots": {"type": "boolean"},
        "memories_hide_screenshots": {"type": "boolean"},
    },
}

_CAMERA_SHARE = {
    "type": "object",
    "required": ["available", "username", "enabled", "applied_at", "error", "pending", "share"],
    "properties": {
        "available": _BOOL,
        "username": {"type": ["string", "null"]},
        "enabled": _BOOL,
        "applied_at": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"]},
        "pending": _BOOL,
        "share": _STR,
    },
}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "required": sorted(props), "properties": props}


_PHONE = {
    "type": "object",
    "required": ["id", "name", "files", "bytes", "stale"],
    "properties": {
        "id": _ID,
        "name": _STR,
        "created_at": _STR,
        "last_backup_at": {"type": ["string", "null"]},
        "files": _ID,
        "bytes": _ID,
        "stale": _BOOL,
    },
}
_HTTPS = {
    "oneOf": [
        {"type": "null"},
        _obj(address=_STR, fingerprint=_STR, certificate=_STR, profile=_STR),
    ]
}
_PHONES = _obj(phones={"type": "array", "items": _PHONE}, server=_STR, https=_HTTPS)
_PHONE_ADDED = {
    "allOf": [
        _PHONE,
        _obj(server=_STR, webdav=_STR, username=_STR, password=_STR, qr_svg=_STR),
    ]
}


_MOVING_IN = {
    "type": "object",
    "required": ["offered", "asked"],
    "properties": {
        "offered": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["folder", "kind", "parts"],
                "properties": {
                    "folder": _STR,
                    "kind": _STR,
                    "parts": {"type": "array", "items": _STR},
                },
            },
        },
        "asked": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sources", "tries"],
                "properties": {
                    "sources": {"type": "array", "items": _STR},
                    "folder": _STR,
                    "tries": _ID,
                },
            },
        },
    },
}
ROUTES: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, dict[str, Any]]] = [
    (
        "get",
        "/search/suggest",
        "Suggestions while typing: labels, people, places, albums, cameras",
        {"q": _STR},
        None,
        _obj(suggestions={"type": "array", "items": _SUGGESTION}),
    ),
    (
        "get",
        "/faces/unassigned",
        "Faces that belong to nobody (not dismissed), best first",
        {"limit": _ID, "offset": _ID},
        None,
        _obj(faces=_FACES, total=_ID),
    ),
    (
        "get",
        "/faces/{face_id}/names",
        "Named people for a face, nearest first; `suggested` marks clustering's pick",
        {},
        None,
        _obj(names={"type": "array", "items": _CHOICE}),
    ),
    (
        "post",
        "/faces/{face_id}/dismiss",
        "Dismiss a face (not someone to name), or undo with dismissed=false",
        {},
        {"dismissed": _BOOL},
        _obj(face_id=_ID, dismissed=_BOOL),
    ),
    (
        "get",
        "/people/{person_id}/faces",
        "A person's faces, best first (cover choice, merge preview)",
        {"limit": _ID},
        None,
        _obj(faces=_FACES),
    ),
    (
        "post",
        "/people/{person_id}/hide",
        "Hide a person (or show again with hidden=false; admins)",
        {},
        {"hidden": _BOOL},
        _obj(id=_ID, hidden=_BOOL),
    ),
    (
        "post",
        "/people/{person_id}/cover",
        "Choose the face a person is shown with",
        {},
        {"face_id": _ID},
        _obj(id=_ID, cover_face_id={"type": ["integer", "null"]}),
    ),
    ("get", "/settings", "Settings changed in the web UI (admins)", {}, None, _SETTINGS),
    (
        "patch",
        "/settings",
        "Change settings (admins): share_base_url, the address share links use; "
        "timeline_hides_screenshots, memories_hide_screenshots: screenshots and documents "
        "left out of the timeline / the memories",
        {},
        {
            "share_base_url": {"type": ["string", "null"]},
            "timeline_hides_screenshots": {"type": "boolean"},
            "memories_hide_screenshots": {"type": "boolean"},
        },
        _SETTINGS,
    ),
    ("get", "/camera-share", "The camera share's account (admins)", {}, None, _CAMERA_SHARE),
    (
        "put",
        "/camera-share",
        "Set the camera share's user name and password; applied a moment later (admins)",
        {},
        {"username": _STR, "password": _STR},
        _CAMERA_SHARE,
    ),
    (
        "delete",
        "/camera-share",
        "Turn the camera share's account off (admins)",
        {},
        None,
        _CAMERA_SHARE,
    ),
    (
        "get",
        "/moving-in",
        "Exports (Google Takeout, iCloud) found on plugged drives and in the export folders, "
        "by folder, and the imports asked for (admins)",
        {},
        None,
        _MOVING_IN,
    ),
    (
        "post",
        "/moving-in",
        "Bring home the export in one offered folder: the service imports it (admins); 202",
        {},
        {"folder": _STR},
        _obj(asked={"type": "array", "items": _STR}),
    ),
    ("get", "/phones", "Your phones that back up over WebDAV", {}, None, _PHONES),
    (
        "post",
        "/phones",
        "Add a phone: 201 with its app password (shown once) and a QR code",
        {},
        {"name": _STR},
        _PHONE_ADDED,
    ),
    ("delete", "/phones/{phone_id}", "Revoke one of your phones", {}, None, _obj(revoked=_ID)),
]


def add_paths(paths: dict[str, dict[str, Any]]) -> None:
    """Add these routes' operations to an OpenAPI ``paths`` object (same shape as the
    moments routes)."""
    openapi_moments.add_paths(paths, ROUTES)
