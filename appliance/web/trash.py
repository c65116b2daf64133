"""The trash: API (move photos/albums to the trash, restore, empty) and its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, render_template

from appliance.catalog import albums as album_ops
from appliance.catalog import trash
from appliance.catalog.photos import trashable_photo, trashed_count, trashed_photo
from appliance.web.api import fail, require_own
from appliance.web.browse import grid
from appliance.web.permissions import can as allowed

bp = Blueprint("trash", __name__)


def _library() -> Any:
    return current_app.config["SHOEBOX_LIBRARY"]


def _require(action: str, album: Any = None) -> None:
    if not allowed(g.get("user"), action, album):
        fail(403, "your role may not do this")


@bp.delete("/api/v1/photos/<int:photo_id>")
def trash_photo(photo_id: int) -> Any:
    trashable_photo(photo_id)
    require_own("photo.trash", [photo_id])
    trash.trash_photos(_library(), [photo_id])
    return jsonify(trashed=photo_id)


@bp.post("/api/v1/photos/<int:photo_id>/restore")
def restore_photo(photo_id: int) -> Any:
    _require("photo.restore")
    if not trash.restore_photos(_library(), [photo_id]):
        fail(404, f"no photo {photo_id} in the trash")
    return jsonify(restored=photo_id)


@bp.get("/api/v1/trash")
def contents() -> Any:
    return jsonify(
        photos=trashed_count(),
        keep_days=trash.KEEP_DAYS,
        albums=[{"id": a.id, "title": a.title} for a in trash.trashed_albums()],
    )


@bp.delete("/api/v1/trash")
def empty() -> Any:
    _require("trash.empty")
    return jsonify(deleted=trash.empty_trash(_library()))


@bp.post("/api/v1/albums/<int:album_id>/restore")
def restore_album(album_id: int) -> Any:
    album = album_ops.album_in_trash(album_id)
    _require("album.delete", album)
    album_ops.restore_album(album_id)
    return jsonify(restored=album_id)


@bp.get("/trash/photo/<int:photo_id>")
def photo(photo_id: int) -> str:
    """One photo in the trash, big, with Restore (a tap on a tile of the trash opens it)."""
    if g.get("user") is None:
        abort(401)
    item = trashed_photo(photo_id)  # a 404 when restored or deleted for good
    gone = item.trashed_at + dt.timedelta(days=trash.KEEP_DAYS)
    return render_template("trash_photo.html", title="In the trash", p=item, gone=gone)


@bp.get("/trash")
def page() -> str:
    if g.get("user") is None:
        abort(401)
    return grid(
        "Trash",
        view="trash",
        trash_page=True,
        trashed_albums=trash.trashed_albums(),
        keep_days=trash.KEEP_DAYS,
        may_empty=allowed(g.user, "trash.empty"),
    )
