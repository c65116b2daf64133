"""The OpenAPI 3.1 description of /api/v1 (kept next to the routes; a test checks both agree)."""

from __future__ import annotations

from typing import Any

_ID = {"type": "integer"}
_IDS = {"type": "array", "items": _ID}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_NUM = {"type": "number"}

# (method, path, summary, query parameters, JSON body properties, admin only)
ROUTES: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, bool]] = [
    (
        "get",
        "/photos",
        "Photos newest first (keyset pages); q uses the search language",
        {"q": _STR, "view": {"enum": ["timeline", "archive"]}, "cursor": _STR, "limit": _ID},
        None,
        False,
    ),
    (
        "get",
        "/photos/{photo_id}",
        "One photo with metadata, labels, faces, albums; video_url, video_state and "
        "video_mime for anything that plays (videos, Live and Motion Photos)",
        {"q": _STR},
        None,
        False,
    ),
    (
        "patch",
        "/photos/{photo_id}",
        "Set favourite or archived (archive: admins); edit the capture time (ISO 8601, its "
        "offset inside or as taken_at_offset minutes), the place (signed degrees), title or "
        "description: kept in the catalog and the XMP sidecar, never in the original",
        {},
        {
            "favorite": _BOOL,
            "archived": _BOOL,
            "taken_at": _STR,
            "taken_at_offset": _ID,
            "latitude": _NUM,
            "longitude": _NUM,
            "altitude": _NUM,
            "title": _STR,
            "description": _STR,
        },
        False,
    ),
    (
        "post",
        "/photos/shift-date",
        "Shift the capture time of photos by an offset (by: '+1h', '-30m', '+2d3h'; or seconds)",
        {},
        {"ids": _IDS, "by": _STR, "seconds": _ID},
        False,
    ),
    (
        "post",
        "/photos/batch",
        "Set favourite or archived on many photos (archive: admins)",
        {},
        {"ids": _IDS, "favorite": _BOOL, "archived": _BOOL},
        False,
    ),
    ("post", "/photos/{photo_id}/labels", "Add a label", {}, {"name": _STR}, False),
    ("delete", "/photos/{photo_id}/labels/{name}", "Remove a label (remembered)", {}, None, False),
    ("get", "/labels", "Labels in use with counts and covers", {}, None, False),
    ("get", "/people", "People with face counts and cover faces", {}, None, False),
    ("patch", "/people/{person_id}", "Name or rename a person", {}, {"name": _STR}, False),
    (
        "post",
        "/people/{person_id}/merge",
        "Merge another person into this one",
        {},
        {"from_id": _ID},
        False,
    ),
    ("post", "/faces/{face_id}/name", "Say who a face is", {}, {"name": _STR}, False),
    ("delete", "/faces/{face_id}/person", "Remove a wrong face from its person", {}, None, False),
    ("get", "/albums", "Albums with counts and covers", {}, None, False),
    ("post", "/albums", "Create an album", {}, {"title": _STR, "photo_ids": _IDS}, False),
    ("get", "/albums/{album_id}", "One album and its live share links", {}, None, False),
    (
        "patch",
        "/albums/{album_id}",
        "Rename, describe or set the cover",
        {},
        {"title": _STR, "description": _STR, "cover_photo_id": _ID},
        False,
    ),
    ("delete", "/albums/{album_id}", "Delete an album (photos stay)", {}, None, False),
    (
        "post",
        "/albums/{album_id}/photos",
        "Add and remove photos",
        {},
        {"add": _IDS, "remove": _IDS},
        False,
    ),
    (
        "post",
        "/albums/{album_id}/shares",
        "Create a read-only share link",
        {},
        {"expires_days": {"type": ["number", "null"]}},
        False,
    ),
    ("delete", "/shares/{share_id}", "Revoke a share link", {}, None, False),
    ("get", "/status", "Import status: queue, current file, rate, ETA, errors", {}, None, False),
    ("get", "/users", "Users", {}, None, True),
    (
        "post",
        "/users",
        "Create a user",
        {},
        {"username": _STR, "password": _STR, "role": {"enum": ["admin", "member"]}},
        True,
    ),
    (
        "patch",
        "/users/{user_id}",
        "Change a user's role or password",
        {},
        {"role": {"enum": ["admin", "member"]}, "password": _STR},
        True,
    ),
    ("delete", "/users/{user_id}", "Delete a user", {}, None, True),
    ("get", "/openapi.json", "This description", {}, None, False),
]


def _operation(path: str, summary: str, query: dict[str, Any], props: Any, admin: bool) -> dict:
    params = [
        {"name": name, "in": "path", "required": True, "schema": _STR if name == "name" else _ID}
        for name in (part[1:-1] for part in path.split("/") if part.startswith("{"))
    ]
    params += [{"name": k, "in": "query", "schema": v} for k, v in query.items()]
    op: dict[str, Any] = {
        "summary": summary + (" (admins only)" if admin else ""),
        "parameters": params,
        "responses": {
            "200": {"description": "OK (201 when something was created)"},
            "400": {"description": "Bad input; `error` says why"},
            "401": {"description": "Not signed in"},
            "403": {"description": "Not allowed for this role"},
            "404": {"description": "Not found"},
        },
    }
    if props is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "properties": props}}},
        }
    return op


def spec() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, query, props, admin in ROUTES:
        paths.setdefault(path, {})[method] = _operation(path, summary, query, props, admin)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shoebox API",
            "version": "1",
            "description": (
                "Sign in through /login (session cookie). Every write needs the header "
                "X-CSRF-Token with the token from the page's csrf-token meta tag. Thumbnails: "
                "/media/thumb/{grid|viewer}/{sha256}.jpg; originals: "
                "/media/original/{sha256} (?download=1); movies: /media/video/{sha256} (Range "
                "requests; 503 with Retry-After while a transcode is being prepared)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "shoebox_session"}
            }
        },
        "security": [{"session": []}],
        "paths": paths,
    }
