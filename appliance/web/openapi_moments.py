"""OpenAPI entries (with response schemas) of the moments and trash routes."""

from __future__ import annotations

from typing import Any

_ID = {"type": "integer"}
_IDS = {"type": "array", "items": _ID}
_STR = {"type": "string"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_OBJ: dict[str, Any] = {"type": "object"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_PHOTO = {
    "type": "object",
    "required": ["id", "sha256", "time"],
    "properties": {"id": _ID, "sha256": {"type": ["string", "null"]}, "time": _STR},
}
_PAGE = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {"title": _STR, "items": {"type": "array", "items": _PHOTO}, "next_cursor": {}},
}
_STACK = {
    "type": "object",
    "required": ["id", "best", "photos"],
    "properties": {
        "id": _ID,
        "reason": _STR,
        "best": {"type": ["integer", "null"]},
        "cover": {"type": ["integer", "null"]},
        "photos": {"type": "array", "items": _PHOTO},
    },
}
_MEMORIES = {
    "type": "object",
    "required": ["memories"],
    "properties": {
        "memories": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["title", "year", "photos"],
                "properties": {"title": _STR, "year": _ID, "photos": _IDS},
            },
        }
    },
}
_PERIOD = {"year": {"type": "integer", "minimum": 1, "maximum": 9998}, "month": _ID}


def _one(key: str, schema: dict[str, Any] = _ID) -> dict[str, Any]:
    return {"type": "object", "required": [key], "properties": {key: schema}}


# (method, path, summary, query parameters, JSON body properties, 200 response schema)
ROUTES: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, dict[str, Any]]] = [
    (
        "delete",
        "/photos/{photo_id}",
        "Move a photo to the trash (admins, or the member who added it)",
        {},
        None,
        _one("trashed"),
    ),
    (
        "post",
        "/photos/{photo_id}/restore",
        "Restore a photo from the trash",
        {},
        None,
        _one("restored"),
    ),
    (
        "get",
        "/trash",
        "What is in the trash",
        {},
        None,
        {
            "type": "object",
            "required": ["photos", "albums"],
            "properties": {"photos": _ID, "keep_days": _ID, "albums": {"type": "array"}},
        },
    ),
    ("delete", "/trash", "Empty the trash for good (admins)", {}, None, _one("deleted")),
    (
        "post",
        "/albums/{album_id}/restore",
        "Restore an album from the trash",
        {},
        None,
        _one("restored"),
    ),
    (
        "get",
        "/memories",
        "On this day: the best photos of this calendar day in earlier years",
        {"date": _DATE},
        None,
        _MEMORIES,
    ),
    (
        "get",
        "/best",
        "Best of a year or month: distinct moments, no near-duplicates",
        _PERIOD | {"limit": _ID},
        None,
        _PAGE,
    ),
    (
        "get",
        "/events",
        "Events of a year or month (time gaps and places)",
        _PERIOD,
        None,
        _one("events", {"type": "array"}),
    ),
    ("get", "/stacks/{stack_id}", "A stack and its photos, best first", {}, None, _STACK),
    (
        "post",
        "/stacks/{stack_id}/cover",
        "Choose a stack's cover (kept forever)",
        {},
        {"photo_id": _ID},
        _STACK,
    ),
    (
        "delete",
        "/stacks/{stack_id}/photos/{photo_id}",
        "Take a photo out of its stack for good",
        {},
        None,
        _one("unstacked"),
    ),
    ("delete", "/stacks/{stack_id}", "Unstack every photo of a stack", {}, None, _one("dissolved")),
    (
        "get",
        "/duplicates",
        "Exact duplicates (paths) and near-duplicate stacks",
        {},
        None,
        {
            "type": "object",
            "required": ["exact", "stacks"],
            "properties": {"exact": {"type": "array"}, "stacks": {"type": "array"}},
        },
    ),
    (
        "get",
        "/moments/learning",
        "The last evaluation of the family's quality model",
        {},
        None,
        _one("model", _STR),
    ),
    (
        "post",
        "/moments/learning",
        "Refit the family's quality model (admins)",
        {},
        None,
        _one("report", _OBJ),
    ),
]


def add_paths(paths: dict[str, dict[str, Any]], routes: list | None = None) -> None:
    """Add (or replace) these routes' (or ``routes``') operations in an OpenAPI ``paths``."""
    for method, path, summary, query, props, response in ROUTES if routes is None else routes:
        params = [
            {"name": name, "in": "path", "required": True, "schema": _ID}
            for name in (part[1:-1] for part in path.split("/") if part.startswith("{"))
        ]
        params += [{"name": k, "in": "query", "schema": v} for k, v in query.items()]
        error = {"application/json": {"schema": _one("error", _STR)}}
        op: dict[str, Any] = {
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": response}}},
                "400": {"description": "Bad input", "content": error},
                "401": {"description": "Not signed in", "content": error},
                "403": {"description": "Not allowed for this role", "content": error},
                "404": {"description": "Not found", "content": error},
            },
        }
        if props is not None:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object", "properties": props}}
                },
            }
        paths.setdefault(path, {})[method] = op
