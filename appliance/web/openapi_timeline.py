"""OpenAPI entries of the timeline's routes: uploads, live updates, the timeline's months
and the zip download (kept beside the routes in web/uploads.py and web/live.py)."""

from __future__ import annotations

from typing import Any

_ID = {"type": "integer"}
_STR = {"type": "string"}
_IDS_TEXT = {"type": "string", "pattern": r"^[0-9]+(,[0-9]+)*$"}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": _STR}}
_UPLOAD_STATE = {
    "type": "object",
    "required": ["id", "state"],
    "properties": {
        "id": _ID,
        "state": {"enum": ["waiting", "importing", "added", "duplicate", "restored", "failed"]},
        "error": {"type": ["string", "null"]},
        "photo_id": {"type": ["integer", "null"]},
    },
}
_SNAPSHOT = {
    "type": "object",
    "required": ["count", "newest", "queue", "importing"],
    "properties": {"count": _ID, "newest": _ID, "queue": _ID, "importing": {"type": "boolean"}},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors() -> dict[str, Any]:
    return {
        "400": _json(_ERROR, "Bad input"),
        "401": _json(_ERROR, "Not signed in"),
        "403": _json(_ERROR, "Not allowed for this role"),
        "404": _json(_ERROR, "Not found"),
        "default": _json(_ERROR, "Any other refusal (413 too large...), with `error`"),
    }


def _query(**params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "in": "query", "schema": v} for k, v in params.items()]


OPERATIONS: dict[str, dict[str, dict[str, Any]]] = {
    "/uploads": {
        "post": {
            "summary": "Upload one file (the body; `name` its file name) into the import queue "
            "(admins and members; the service imports it like an inbox file)",
            "parameters": _query(name=_STR),
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            },
            "responses": {
                "201": _json(
                    {
                        "type": "object",
                        "required": ["id", "name", "size", "state"],
                        "properties": {"id": _ID, "name": _STR, "size": _ID, "state": _STR},
                    },
                    "Queued",
                ),
                "507": _json(_ERROR, "The library disk is full: nothing of the upload is kept"),
            }
            | _errors(),
        },
        "get": {
            "summary": "How uploaded files are doing (ids from POST /uploads)",
            "parameters": _query(ids=_IDS_TEXT),
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["uploads"],
                        "properties": {"uploads": {"type": "array", "items": _UPLOAD_STATE}},
                    },
                    "OK",
                )
            }
            | _errors(),
        },
    },
    "/live": {
        "get": {
            "summary": "Timeline changes: server-sent events (`change`) for "
            "Accept: text/event-stream, else the current snapshot",
            "parameters": [],
            "responses": {"200": _json(_SNAPSHOT, "The current snapshot")} | _errors(),
        }
    },
    "/timeline/months": {
        "get": {
            "summary": "Months of the timeline with photo counts, newest first (the scrubber)",
            "parameters": [],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["months"],
                        "properties": {
                            "months": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["month", "count"],
                                    "properties": {"month": _STR, "count": _ID},
                                },
                            }
                        },
                    },
                    "OK",
                )
            }
            | _errors(),
        }
    },
    "/photos/zip": {
        "get": {
            "summary": "Download the originals of photos (ids comma-separated) as one zip, "
            "streamed",
            "parameters": _query(ids=_IDS_TEXT),
            "responses": {
                "200": {
                    "description": "A zip archive",
                    "content": {"application/zip": {"schema": {"type": "string"}}},
                }
            }
            | _errors(),
        }
    },
}


def add_paths(paths: dict[str, dict[str, Any]]) -> None:
    """Add these routes' operations to an OpenAPI ``paths`` object."""
    for path, operations in OPERATIONS.items():
        paths.setdefault(path, {}).update(operations)
