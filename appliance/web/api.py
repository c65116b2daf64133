"""JSON API v1: everything the pages do. Described at /api/v1/openapi.json."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, NoReturn

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    request,
    session,
    url_for,
)

from appliance.catalog import albums as album_ops
from appliance.catalog import batch_edit as batch_ops
from appliance.catalog import edits, photo_edits
from appliance.catalog import labels as label_ops
from appliance.catalog import people as people_ops
from appliance.catalog import photos as photo_ops
from appliance.catalog import users as user_ops
from appliance.catalog.models import Album, Photo, User
from appliance.catalog.private import set_private_many
from appliance.catalog.queries import (
    MAX_ID,
    list_albums,
    list_labels,
    neighbours,
    photo_detail,
    search_photos,
)
from appliance.catalog.recent import recently_added
from appliance.catalog.sessions import end_user_sessions
from appliance.search.query import parse_query
from appliance.search.synonyms import labels_for
from appliance.status import web_status
from appliance.web import private as private_web
from appliance.web.media import video_fields
from appliance.web.openapi import spec
from appliance.web.permissions import require, require_photos
from appliance.web.security import admin_required, current_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def fail(status: int, message: str) -> NoReturn:
    abort(make_response(jsonify(error=message), status))


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        fail(400, "send a JSON object")
    return data


def page_limit(default: int = 60) -> int:
    """The ``limit`` of a paged listing (the listing clamps it); 400 when not a number."""
    try:
        return int(request.args.get("limit", default))
    except ValueError:
        fail(400, "limit must be a number")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        fail(400, f"{what} must be a number")
    try:
        number = int(value)
    except ValueError:
        fail(400, f"{what} must be a number")
    if not 0 <= number <= MAX_ID:
        fail(400, f"{what} is out of range")
    return number


def _ids(data: dict[str, Any], key: str) -> list[int]:
    """The photo ids of a batch; 404 when one names a private photo not for this member,
    as if it did not exist (`web.private`)."""
    values = data.get(key, [])
    if not isinstance(values, list):
        fail(400, f"{key} must be a list of photo ids")
    ids = [_int(v, key) for v in values]
    hidden = private_web.hidden_ids(ids)
    if hidden:
        fail(404, f"no photo {hidden[0]}")
    return ids


def _photo(photo_id: int) -> Photo:
    return photo_ops.visible_photo(photo_id)


def require_own(action: str, ids: list[int]) -> None:
    """403 unless the signed-in user may do ``action`` to each of these photos (a member:
    only to photos they added; see permissions.PHOTO_OWNER)."""
    require_photos(g.user, action, photo_ops.owners(ids))


def _query(text: str) -> Any:
    return parse_query(text) if text else None  # a QueryError is a 400 (BadRequest)


# --- photos -------------------------------------------------------------------------------


@bp.get("/photos")
def photos() -> Any:
    query = _query(request.args.get("q", ""))
    view = request.args.get("view", "timeline")
    if view not in ("timeline", "archive", "trash", "private"):
        fail(400, "view must be timeline, archive, trash or private")
    if view == "private" and not private_web.unlocked():
        fail(403, "open Private with your password first")
    limit = page_limit()
    page = search_photos(  # a bad cursor is a CursorError: a 400
        query,
        cursor=request.args.get("cursor") or None,
        limit=limit,
        labels_for=labels_for,
        archived=view == "archive",
        trashed=view == "trash",
        private_owner=g.user.id if view == "private" else None,
    )
    return jsonify(items=page.items, next_cursor=page.next_cursor)


@bp.get("/photos/recent")
def recent_photos() -> Any:
    """The photos the last added first, each with ``added_at`` and ``source`` in words."""
    limit = page_limit()
    page = recently_added(request.args.get("cursor") or None, limit)  # bad cursor: 400
    return jsonify(items=page.items, next_cursor=page.next_cursor)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int) -> Any:
    item = _photo(photo_id)
    detail = photo_detail(photo_id)
    newer, older = neighbours(item, _query(request.args.get("q", "")), labels_for)
    return jsonify(detail | video_fields(detail) | {"newer": newer, "older": older})


@bp.patch("/photos/<int:photo_id>")
def update_photo(photo_id: int) -> Any:
    _photo(photo_id)
    data = body()
    flags = {k: data[k] for k in ("favorite", "archived") if k in data}
    _check_flags(flags, [photo_id])  # before anything is written: a bad request changes nothing
    if "private" in data:
        _check_private(data["private"], [photo_id])
    if set(data) - set(flags) - {"private"}:  # the date, place, text or the picture's edit
        require_own("photo.edit", [photo_id])
    return jsonify(updated=photo_ops.update_photo(photo_id, data, g.user.id))


@bp.post("/photos/shift-date")
def shift_date() -> Any:
    data = body()
    ids = _ids(data, "ids")
    if isinstance(data.get("by"), str):
        delta = edits.parse_shift(data["by"])
    elif isinstance(data.get("seconds"), int) and not isinstance(data["seconds"], bool):
        delta = edits.seconds_shift(data["seconds"])
    else:
        fail(400, 'send the shift as "by" ("+1h", "-30m") or "seconds"')
    require_own("photo.edit", ids)
    return jsonify(updated=edits.shift_taken_at(ids, delta))


@bp.post("/photos/batch-edit")
def batch_edit() -> Any:
    """One edit for many photos (``set``: taken_at, shift, offset, place, title,
    description, add_labels, add_people, favorite, archived, album_id); answers the id its
    Undo needs, and how many faces the names were given to."""
    data = body()
    ids = _ids(data, "ids")
    changes = data.get("set")
    if not isinstance(changes, dict):
        fail(400, "send the changes as set: {...}")
    if {"taken_at", "shift", "offset", "place", "title", "description"} & set(changes):
        require_own("photo.edit", ids)
    if "add_labels" in changes:
        require(g.user, "photo.label")
    if "add_people" in changes:
        require(g.user, "face.name")
    if "favorite" in changes:
        require(g.user, "photo.favorite")
    if "archived" in changes:
        require_own("photo.archive", ids)
    if "album_id" in changes:
        _own_album(_int(changes["album_id"], "album_id"), "album.edit")
    done = batch_ops.edit_photos(ids, changes, g.user.id)
    return jsonify(updated=done.updated, undo_id=done.undo_id, faces_named=done.faces_named)


@bp.post("/photos/batch-edit/<int:undo_id>/undo")
def undo_batch_edit(undo_id: int) -> Any:
    return jsonify(restored=batch_ops.undo_batch(undo_id, g.user.id))


@bp.post("/photos/batch")
def update_photos() -> Any:
    data = body()
    return jsonify(updated=_set_flags(_ids(data, "ids"), data))


def _check_private(value: Any, ids: list[int]) -> None:
    """``private`` is true or false, and only the photos' owner sets it (`web.permissions`)."""
    if not isinstance(value, bool):
        fail(400, "private must be true or false")
    require_photos(g.user, "photo.private", photo_ops.owners(ids))


def _check_flags(changes: dict[str, Any], ids: list[int]) -> None:
    if not all(isinstance(v, bool) for v in changes.values()):
        fail(400, "send favorite and/or archived as true or false")
    require(g.user, "photo.favorite")
    if "archived" in changes:
        require_own("photo.archive", ids)


def _set_flags(ids: list[int], data: dict[str, Any]) -> int:
    changes = {k: data[k] for k in ("favorite", "archived") if k in data}
    if "rotate" in data and not changes:  # turn a selection (kept as each one's edit)
        require_own("photo.edit", ids)
        return photo_edits.rotate_photos(ids, data["rotate"])
    if "private" in data and not changes:  # make a selection private, or not
        _check_private(data["private"], ids)
        return set_private_many(ids, data["private"], g.user.id)
    if not changes:
        fail(400, "send favorite and/or archived (or private) as true or false")
    _check_flags(changes, ids)
    return photo_ops.set_flags(ids, changes)


@bp.post("/photos/<int:photo_id>/labels")
def add_label(photo_id: int) -> Any:
    require(g.user, "photo.label")
    _photo(photo_id)
    name = body().get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        fail(400, "a label needs a name of 1-100 characters")
    label_ops.add_manual_label(photo_id, name.strip())
    return jsonify(labels=photo_detail(photo_id)["labels"]), 201


@bp.delete("/photos/<int:photo_id>/labels/<name>")
def remove_label(photo_id: int, name: str) -> Any:
    require(g.user, "photo.label")
    _photo(photo_id)
    label_ops.remove_label(photo_id, name)
    return jsonify(labels=photo_detail(photo_id)["labels"])


@bp.get("/labels")
def labels() -> Any:
    return jsonify(labels=list_labels())


# --- people -------------------------------------------------------------------------------


@bp.get("/people")
def people() -> Any:
    return jsonify(people=[p.as_json() for p in people_ops.list_people()])


@bp.patch("/people/<int:person_id>")
def rename_person(person_id: int) -> Any:
    name = body().get("name")
    if not isinstance(name, str):
        fail(400, "send the person's name as text")
    person = people_ops.name_person(person_id, name)
    return jsonify(id=person.id, name=person.name)


@bp.post("/people/<int:person_id>/merge")
def merge_person(person_id: int) -> Any:
    from_id = _int(body().get("from_id"), "from_id")
    person, undo = people_ops.merge_with_undo(person_id, from_id)
    return jsonify(id=person.id, name=person.name, undo=asdict(undo))


@bp.post("/people/<int:person_id>/unmerge")
def unmerge_person(person_id: int) -> Any:
    """Undo a merge with the ``undo`` object the merge answered."""
    data = body()
    face_ids = data.get("face_ids")
    if not isinstance(face_ids, list) or not face_ids:
        fail(400, "face_ids must be a list of face ids")
    for key in ("name", "into_name"):
        if data.get(key) is not None and not isinstance(data[key], str):
            fail(400, f"{key} must be text or null")
    undo = people_ops.MergeUndo(
        [_int(i, "face_ids") for i in face_ids],
        data.get("name"),
        bool(data.get("hidden", False)),
        data.get("into_name"),
    )
    person = people_ops.unmerge_people(person_id, undo)
    return jsonify(id=person.id, name=person.name), 201


@bp.post("/faces/<int:face_id>/name")
def name_face(face_id: int) -> Any:
    name = body().get("name")
    if not isinstance(name, str):
        fail(400, "send the person's name as text")
    return jsonify(person_id=people_ops.name_face(face_id, name))


@bp.delete("/faces/<int:face_id>/person")
def remove_face(face_id: int) -> Any:
    people_ops.remove_face(face_id)
    return jsonify(removed=face_id)


# --- albums and sharing -------------------------------------------------------------------


@bp.get("/albums")
def albums() -> Any:
    return jsonify(albums=list_albums())


@bp.post("/albums")
def create_album() -> Any:
    require(g.user, "album.create")
    data = body()
    title = data.get("title")
    if not isinstance(title, str):
        fail(400, "an album needs a title")
    album = album_ops.create_album(title, g.user.id, _ids(data, "photo_ids"))
    return jsonify(
        id=album.id, title=album.title, url=url_for("albums.album", album_id=album.id)
    ), 201


@bp.get("/albums/<int:album_id>")
def album(album_id: int) -> Any:
    found = album_ops.get_album(album_id)
    shares = [_share_json(s) for s in album_ops.list_shares(album_id)]
    return jsonify(
        id=found.id,
        title=found.title,
        description=found.description,
        cover_photo_id=found.cover_photo_id,
        shares=shares,
    )


def _own_album(album_id: int, action: str) -> Album:
    """The album, once the permission table allows ``action`` on it (404 before 403)."""
    found = album_ops.get_album(album_id)
    require(g.user, action, found)
    return found


@bp.patch("/albums/<int:album_id>")
def update_album(album_id: int) -> Any:
    _own_album(album_id, "album.edit")
    data = body()
    title, description = data.get("title"), data.get("description")
    if title is not None and not isinstance(title, str):
        fail(400, "title must be text")
    if description is not None and not isinstance(description, str):
        fail(400, "description must be text")
    album_ops.update_album(album_id, title, description)
    if "cover_photo_id" in data:
        album_ops.set_cover(album_id, _int(data["cover_photo_id"], "cover_photo_id"))
    return album(album_id)


@bp.delete("/albums/<int:album_id>")
def delete_album(album_id: int) -> Any:
    _own_album(album_id, "album.delete")
    album_ops.delete_album(album_id)
    return jsonify(deleted=album_id)


@bp.post("/albums/<int:album_id>/photos")
def album_photos(album_id: int) -> Any:
    _own_album(album_id, "album.edit")
    data = body()
    added = album_ops.add_photos(album_id, _ids(data, "add"))
    removed = album_ops.remove_photos(album_id, _ids(data, "remove"))
    return jsonify(added=added, removed=removed)


def _share_json(share: Any) -> dict[str, Any]:
    from appliance.web.share import share_url

    return {
        "id": share.id,
        "url": share_url(share.token),
        "path": url_for("share.album", token=share.token),
        "expires_at": share.expires_at.isoformat() if share.expires_at else None,
        "password": bool(share.password_hash),
        "allow_download": bool(share.allow_download),
    }


@bp.post("/albums/<int:album_id>/shares")
def create_share(album_id: int) -> Any:
    _own_album(album_id, "album.share")
    data = body()
    days, password = data.get("expires_days"), data.get("password")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int | float)):
        fail(400, "expires_days must be a number of days or null")
    if password is not None and not isinstance(password, str):
        fail(400, "password must be text or null")
    allow_download = data.get("allow_download", False)
    if not isinstance(allow_download, bool):
        fail(400, "allow_download must be true or false")
    share = album_ops.create_share(album_id, days, password, allow_download)
    return jsonify(_share_json(share)), 201


@bp.delete("/shares/<int:share_id>")
def revoke_share(share_id: int) -> Any:
    share = album_ops.get_share(share_id)
    _own_album(share.album_id, "album.share")
    album_ops.revoke_share(share_id)
    return jsonify(revoked=share_id)


# --- status and users ---------------------------------------------------------------------


@bp.get("/status")
def status() -> Any:
    from appliance.web.status import library_copies

    return jsonify(web_status(current_app.config["SHOEBOX_LIBRARY"], library_copies()))


def _user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role}


@bp.get("/users")
@admin_required
def users() -> Any:
    return jsonify(users=[_user_json(u) for u in user_ops.list_users()])


@bp.post("/users")
@admin_required
def create_user() -> Any:
    data = body()
    fields = [
        data.get(k, "member" if k == "role" else "") for k in ("username", "password", "role")
    ]
    if not all(isinstance(v, str) for v in fields):
        fail(400, "username, password and role must be text")
    return jsonify(_user_json(user_ops.create_user(*fields))), 201


@bp.patch("/users/<int:user_id>")
@admin_required
def update_user(user_id: int) -> Any:
    data = body()
    keep = current_session()  # other sessions of that user end; the admin's own stays
    if "role" in data:
        user_ops.set_role(user_id, str(data["role"]), keep)
    if "password" in data:
        user_ops.set_password(user_id, str(data["password"]), keep)
    user = user_ops.get_user(user_id)
    return jsonify(_user_json(user))


@bp.delete("/users/<int:user_id>")
@admin_required
def delete_user(user_id: int) -> Any:
    if user_id == g.user.id:
        fail(400, "you cannot delete yourself")
    user_ops.delete_user(user_id)
    return jsonify(deleted=user_id)


@bp.delete("/sessions")
def sign_out_everywhere() -> Any:
    """End every session of the signed-in user, this one included."""
    ended = end_user_sessions(g.user.id)
    session.clear()
    return jsonify(ended=ended)


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(spec())
