"""The OpenAPI 3.1 description of /api/v1 (kept next to the routes; a test checks both agree)."""

from __future__ import annotations

from typing import Any

from appliance.web import openapi_family, openapi_moments, openapi_timeline

_ID = {"type": "integer"}
_IDS = {"type": "array", "items": _ID}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_NUM_T = {"type": "number"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_NUM = {"type": "number"}
_IDS_NUM = {"type": "array", "items": {"type": "number"}}

# (method, path, summary, query parameters, JSON body properties, admin only)
ROUTES: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, bool]] = [
    (
        "post",
        "/photos/batch-edit",
        "One edit for many photos (taken_at, shift, offset, place, title, description, "
        "add_labels, add_people, favorite, archived, album_id); answers undo_id and "
        "faces_named",
        {},
        {
            "ids": _IDS,
            "set": {
                "type": "object",
                "properties": {
                    "taken_at": _STR,
                    "shift": _STR,
                    "offset": _STR,
                    "place": {
                        "type": "object",
                        "properties": {"latitude": _NUM_T, "longitude": _NUM_T},
                    },
                    "title": _STR,
                    "description": _STR,
                    "add_labels": {"type": "array", "items": _STR},
                    "add_people": {"type": "array", "items": _STR},
                    "favorite": _BOOL,
                    "archived": _BOOL,
                    "album_id": _ID,
                },
            },
        },
        False,
    ),
    (
        "post",
        "/photos/batch-edit/{undo_id}/undo",
        "Undo one batch edit (its maker only)",
        {},
        None,
        False,
    ),
    (
        "get",
        "/folders",
        "The folders the photos' files were found in (cards, drives, imports), each with its "
        "photo count and newest photo's thumbnail key (cover), by path",
        {},
        None,
        False,
    ),
    (
        "get",
        "/folders/photos",
        "The photos with a file seen directly in one folder (path: its full path), newest first",
        {"path": _STR, "cursor": _STR, "limit": _ID},
        None,
        False,
    ),
    (
        "get",
        "/photos/recent",
        "Photos the last added first, each with added_at and where it came from (source)",
        {"cursor": _STR, "limit": _ID},
        None,
        False,
    ),
    (
        "get",
        "/photos",
        "Photos newest first (keyset pages); q uses the search language; view=private: "
        "the signed-in member's Private, once opened with their password (else 403)",
        {
            "q": _STR,
            "view": {"enum": ["timeline", "archive", "trash", "private"]},
            "cursor": _STR,
            "limit": _ID,
        },
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
        "Set favourite (anyone) or archived; edit the capture time (ISO 8601, its "
        "offset inside or as taken_at_offset minutes), the place (signed degrees), title or "
        "description: kept in the catalog and the XMP sidecar, never in the original. Archive "
        "and edits: admins, or the member who added the photo (uploaded or backed it up). "
        "private: only the photo's owner (an admin for the family's photos, which become "
        "theirs); a private photo is then absent from every other member's answers",
        {},
        {
            "private": _BOOL,
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
        "Shift the capture time of photos by an offset (by: '+1h', '-30m', '+2d3h'; or "
        "seconds); admins, or the member who added every one of them",
        {},
        {"ids": _IDS, "by": _STR, "seconds": _ID},
        False,
    ),
    (
        "post",
        "/photos/batch",
        "Set favourite or archived on many photos (archive: admins, or the member who added "
        "every one of them; else nothing changes); or private alone (their owner only)",
        {},
        {"ids": _IDS, "favorite": _BOOL, "archived": _BOOL, "private": _BOOL},
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
    (
        "post",
        "/people/{person_id}/unmerge",
        "Undo a merge with the undo object the merge answered",
        {},
        {
            "face_ids": _IDS,
            "name": _TEXT_OR_NULL,
            "hidden": _BOOL,
            "into_name": _TEXT_OR_NULL,
        },
        False,
    ),
    ("post", "/faces/{face_id}/name", "Say who a face is", {}, {"name": _STR}, False),
    ("delete", "/faces/{face_id}/person", "Remove a wrong face from its person", {}, None, False),
    ("get", "/albums", "Albums with counts and covers", {}, None, False),
    ("post", "/albums", "Create an album", {}, {"title": _STR, "photo_ids": _IDS}, False),
    ("get", "/albums/{album_id}", "One album and its live share links", {}, None, False),
    ("delete", "/albums/{album_id}", "Move an album to the trash (photos stay)", {}, None, False),
    (
        "patch",
        "/albums/{album_id}",
        "Rename, describe or set the cover",
        {},
        {"title": _STR, "description": _STR, "cover_photo_id": _ID},
        False,
    ),
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
        {
            "expires_days": {"type": ["number", "null"], "minimum": 1, "maximum": 3650},
            "password": {"type": ["string", "null"]},
            "allow_download": _BOOL,
        },
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
    ("delete", "/sessions", "Sign out everywhere: end every session of this user", {}, None, False),
    ("get", "/openapi.json", "This description", {}, None, False),
    ("get", "/places", "Countries with photo counts and covers", {}, None, False),
    (
        "get",
        "/places/{country_code}",
        "Regions and cities of one country with counts and covers",
        {},
        None,
        False,
    ),
    (
        "get",
        "/place-names",
        "Places whose name starts with q (to set a place)",
        {"q": _STR},
        None,
        False,
    ),
    (
        "get",
        "/map/clusters",
        "Photo positions clustered on the server for a map view",
        {"bbox": _STR, "zoom": _ID},
        None,
        False,
    ),
    ("get", "/map/photos", "Photos inside a bounding box (a cluster)", {"bbox": _STR}, None, False),
    (
        "post",
        "/photos/place",
        "Set a position and its place on photos by hand",
        {},
        {"ids": _IDS, "latitude": {"type": "number"}, "longitude": {"type": "number"}},
        False,
    ),
]

_NSTR = {"type": ["string", "null"]}
_PLACE = {
    "type": "object",
    "properties": {"country_code": _STR, "country": _STR, "region": _NSTR, "city": _NSTR},
}
_COVER = {"type": "object", "properties": {"id": _ID, "sha256": _NSTR}}
_NUM = {"type": "number"}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props)}


def _list_of(**props: Any) -> dict[str, Any]:
    return {"type": "array", "items": _obj(**props)}


# Places and map routes: (method, path) -> schema of the success response
PLACE_RESPONSES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/places"): _obj(
        countries=_list_of(country_code=_STR, country=_STR, count=_ID, cover=_COVER)
    ),
    ("get", "/places/{country_code}"): _obj(
        country_code=_STR, cities=_list_of(region=_NSTR, city=_NSTR, count=_ID, cover=_COVER)
    ),
    ("get", "/place-names"): _obj(
        places=_list_of(
            country_code=_STR, country=_STR, region=_NSTR, city=_NSTR, latitude=_NUM, longitude=_NUM
        )
    ),
    ("get", "/map/clusters"): _obj(
        clusters=_list_of(
            lat=_NUM,
            lon=_NUM,
            count=_ID,
            bounds={"type": "array", "items": _NUM},
            photo_id=_ID,
            sha256=_NSTR,
        )
    ),
    ("get", "/map/photos"): _obj(
        photos=_list_of(id=_ID, sha256=_NSTR, time=_NSTR, lat=_NUM, lon=_NUM)
    ),
    ("post", "/photos/place"): _obj(updated=_ID, place={"anyOf": [_PLACE, {"type": "null"}]}),
}


def _null(kind: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(kind, dict):
        return {"anyOf": [kind, {"type": "null"}]}
    return {"type": [kind, "null"]}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


_INT, _NUM = {"type": "integer"}, {"type": "number"}
ERROR = _object({"error": _STR})
PHOTO = _object(
    {
        "id": _INT,
        "sha256": _null("string"),
        "time": _null("string"),
        "kind": _STR,
        "favorite": _BOOL,
        "width": _null("integer"),
        "height": _null("integer"),
    },
    {"why": _STR},  # a search found it by its text: the line that says the word
)
PAGE = _object({"items": {"type": "array", "items": PHOTO}, "next_cursor": _null("string")})
LABELS = {"type": "array", "items": _object({"name": _STR, "confidence": _NUM, "source": _STR})}
PHOTO_DETAIL = {
    "allOf": [
        PHOTO,
        _object(
            {
                "archived": _BOOL,
                "labels": LABELS,
                "faces": {"type": "array", "items": _object({"id": _INT, "box": _IDS_NUM})},
                "albums": {"type": "array", "items": _object({"id": _INT, "title": _STR})},
                "files": {"type": "array", "items": _object({"sha256": _STR, "size": _INT})},
                "newer": _null("integer"),
                "older": _null("integer"),
                "owner_id": _null("integer"),  # who added it; null: the family's
                "private": _BOOL,  # only its owner sees it, in Private
                "text": _null("string"),  # the text in the picture; null: not read yet
                "text_kind": {"enum": ["screenshot", "document", None]},
            }
        ),
    ]
}
SHARE = _object(
    {"id": _INT, "url": _STR, "path": _STR, "expires_at": _null("string")},
    {"password": _BOOL, "allow_download": _BOOL},
)
ALBUM = _object(
    {
        "id": _INT,
        "title": _STR,
        "description": _STR,
        "cover_photo_id": _null("integer"),
        "shares": {"type": "array", "items": SHARE},
    }
)
USER = _object({"id": _INT, "username": _STR, "role": {"enum": ["admin", "member"]}})
PERSON = _object({"id": _INT, "name": _null("string")})
STATUS = _object(
    {
        "active": _BOOL,
        "queue": _INT,
        "counts": {"type": "object", "additionalProperties": _INT},
        "errors": {"type": "array", "items": _object({"path": _null("string")})},
    },
    {
        "backup": {"type": "object"},
        "eta_seconds": _null("number"),
        "rate_per_min": _NUM,
        "migrations": {"type": "array", "items": _STR},  # a Takeout import, one line each
        "text_backlog": _INT,  # photos whose text is not read yet (appliance.text)
    },
)

# (method, path) -> schema of the success response. Routes not listed here are described
# as "a JSON object" (so a route added elsewhere is still covered by the schema tests).
RESPONSES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/photos"): PAGE,
    ("get", "/folders/photos"): PAGE,
    ("get", "/folders"): _object(
        {
            "folders": {
                "type": "array",
                "items": _object({"path": _STR, "count": _INT, "cover": _null("string")}),
            }
        }
    ),
    ("post", "/photos/batch-edit"): _object(
        {"updated": _INT, "undo_id": _INT, "faces_named": _INT}
    ),
    ("post", "/photos/batch-edit/{undo_id}/undo"): _object({"restored": _INT}),
    ("get", "/photos/recent"): _object(
        {
            "items": {
                "type": "array",
                "items": {"allOf": [PHOTO, _object({"added_at": _STR, "source": _STR})]},
            },
            "next_cursor": _null("string"),
        }
    ),
    ("get", "/photos/{photo_id}"): PHOTO_DETAIL,
    ("patch", "/photos/{photo_id}"): _object({"updated": _INT}),
    ("post", "/photos/batch"): _object({"updated": _INT}),
    ("post", "/photos/{photo_id}/labels"): _object({"labels": LABELS}),
    ("delete", "/photos/{photo_id}/labels/{name}"): _object({"labels": LABELS}),
    ("get", "/labels"): _object(
        {"labels": {"type": "array", "items": _object({"name": _STR, "count": _INT})}}
    ),
    ("get", "/people"): _object(
        {"people": {"type": "array", "items": _object({"id": _INT, "count": _INT})}}
    ),
    ("patch", "/people/{person_id}"): PERSON,
    ("post", "/people/{person_id}/merge"): _object(
        {
            "id": _INT,
            "name": _null("string"),
            "undo": _object(
                {
                    "face_ids": {"type": "array", "items": _INT},
                    "name": _null("string"),
                    "hidden": _BOOL,
                    "into_name": _null("string"),
                }
            ),
        }
    ),
    ("post", "/people/{person_id}/unmerge"): PERSON,
    ("post", "/faces/{face_id}/name"): _object({"person_id": _INT}),
    ("delete", "/faces/{face_id}/person"): _object({"removed": _INT}),
    ("get", "/albums"): _object(
        {
            "albums": {
                "type": "array",
                "items": _object(
                    {"id": _INT, "title": _STR, "count": _INT, "shared": _BOOL},
                    {"cover": _null("string")},
                ),
            }
        }
    ),
    ("post", "/albums"): _object({"id": _INT, "title": _STR, "url": _STR}),
    ("get", "/albums/{album_id}"): ALBUM,
    ("patch", "/albums/{album_id}"): ALBUM,
    ("delete", "/albums/{album_id}"): _object({"deleted": _INT}),
    ("post", "/albums/{album_id}/photos"): _object({"added": _INT, "removed": _INT}),
    ("post", "/albums/{album_id}/shares"): SHARE,
    ("delete", "/shares/{share_id}"): _object({"revoked": _INT}),
    ("get", "/status"): STATUS,
    ("get", "/users"): _object({"users": {"type": "array", "items": USER}}),
    ("post", "/users"): USER,
    ("patch", "/users/{user_id}"): USER,
    ("delete", "/users/{user_id}"): _object({"deleted": _INT}),
    ("delete", "/sessions"): _object({"ended": _INT}),
    ("get", "/openapi.json"): _object({"openapi": _STR, "paths": {"type": "object"}}),
}
RESPONSES.update(PLACE_RESPONSES)
CREATED = {
    ("post", "/photos/{photo_id}/labels"),
    ("post", "/albums"),
    ("post", "/albums/{album_id}/shares"),
    ("post", "/users"),
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses(method: str, path: str) -> dict[str, Any]:
    success = RESPONSES.get((method, path), {"type": "object"})
    ok = "201" if (method, path) in CREATED else "200"
    return {
        ok: _json(success, "Created" if ok == "201" else "OK"),
        "400": _json(ERROR, "Bad input; `error` says why"),
        "401": _json(ERROR, "Not signed in"),
        "403": _json(ERROR, "Not allowed for this role (see the permission table)"),
        "404": _json(ERROR, "Not found"),
        "default": _json(ERROR, "Any other refusal (405, 413, 415...), with `error`"),
    }


def _operation(
    path: str, summary: str, query: dict[str, Any], props: Any, admin: bool, method: str = "get"
) -> dict:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _STR if name in ("name", "country_code") else _ID,
        }
        for name in (part[1:-1] for part in path.split("/") if part.startswith("{"))
    ]
    params += [{"name": k, "in": "query", "schema": v} for k, v in query.items()]
    op: dict[str, Any] = {
        "summary": summary + (" (admins only)" if admin else ""),
        "parameters": params,
        "responses": _responses(method, path),
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
        paths.setdefault(path, {})[method] = _operation(path, summary, query, props, admin, method)
    openapi_moments.add_paths(paths)
    openapi_family.add_paths(paths)
    openapi_timeline.add_paths(paths)
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
