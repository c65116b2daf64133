"""Folders: where the photos came from (`catalog.folders`): the list, one folder's photos
as a grid, and their JSON (``GET /api/v1/folders``, ``GET /api/v1/folders/photos``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request, url_for

from appliance.catalog.folders import in_folder, list_folders
from appliance.catalog.queries import search_photos
from appliance.web.api import fail, page_limit
from appliance.web.browse import grid

bp = Blueprint("folders", __name__)
MAX_PATH = 4096


def _path() -> str:
    path = request.args.get("path", "")
    if not path.startswith("/") or len(path) > MAX_PATH or "\x00" in path:
        fail(400, "path must be a folder's full path, starting with /")
    return path


@bp.get("/folders")
def index() -> str:
    return render_template("folders.html", title="Folders", folders=list_folders())


@bp.get("/folders/photos")
def folder() -> str:
    path = _path()
    src = url_for("folders.folder_photos") + "?" + urlencode({"path": path})
    return grid(path.rsplit("/", 1)[-1] or path, src=src, folder_path=path)


@bp.get("/api/v1/folders")
def folders_json() -> Any:
    return jsonify(folders=list_folders())


@bp.get("/api/v1/folders/photos")
def folder_photos() -> Any:
    page = search_photos(  # a bad cursor is a CursorError: a 400
        cursor=request.args.get("cursor") or None, limit=page_limit(), where=in_folder(_path())
    )
    return jsonify(items=page.items, next_cursor=page.next_cursor)
