"""Upload from the browser: each file is streamed into the library's ``uploads/`` folder
(on the library's disk, fsynced, then renamed into place) and queued as an import job with
policy "move", so the service imports it like an inbox file: deduplication, the crash-safe
copy into originals/, broken files recorded with their reason. The page asks
``GET /api/v1/uploads?ids=..`` how each file is doing."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from appliance.catalog import queue as job_queue
from appliance.catalog.timeline import UPLOAD_SOURCE, upload_states
from appliance.errors import DiskFull, is_disk_full
from appliance.naming import NAME_BYTES, cut_utf8
from appliance.web.api import fail
from appliance.web.permissions import can

bp = Blueprint("uploads", __name__, url_prefix="/api/v1")
CHUNK = 1024 * 1024
MAX_IDS = 500
_UNSAFE = re.compile(r"[^\w.\- ()+]+")


class UploadRefused(ValueError):
    """The body cannot become an upload (``status``: the HTTP answer)."""

    status = 400


class UploadTooLarge(UploadRefused):
    status = 413


def safe_name(name: str) -> str:
    """A plain file name from what the browser sent: no folders, no control or odd
    characters, not hidden, at most 120 characters and ``NAME_BYTES`` bytes of UTF-8 (the
    filesystem counts bytes), its extension kept."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" .") or "upload"
    stem, dot, ext = base.rpartition(".")
    if dot and 0 < len(ext) <= 10:
        stem = cut_utf8(stem[:110], NAME_BYTES - len(ext.encode("utf-8")) - 1)
        return f"{stem}.{ext}" if stem else f"upload.{ext}"
    return cut_utf8(base[:120], NAME_BYTES)


def _limit() -> int:
    return int(current_app.config["SHOEBOX_SETTINGS"].upload_max_mb) * 1024 * 1024


def _discard(folder: Path) -> None:
    """Remove an upload's folder and whatever is in it (a partial file, the file)."""
    for path in folder.iterdir() if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            path.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _receive(folder: Path, name: str, limit: int) -> Path:
    """Stream the request body to ``folder/name`` (written as a hidden partial file, fsynced,
    then renamed); raise UploadRefused when it is empty, UploadTooLarge over ``limit``,
    DiskFull without room. Nothing of a refused upload stays."""
    partial, target = folder / f".{name}.part", folder / name
    size = 0
    try:
        folder.mkdir(parents=True)
        with open(partial, "xb") as out:
            while chunk := request.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(f"larger than the upload limit of {limit // 2**20} MiB")
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadRefused("the file is empty")
        os.replace(partial, target)
    except BaseException as exc:
        _discard(folder)
        if is_disk_full(exc):
            raise DiskFull() from exc
        raise
    return target


def _enqueue(path: Path, owner_id: int) -> Any:
    """The import job of a received upload (None: already queued), its photo the uploader's;
    the file and its folder are removed when the catalogue cannot take the job."""
    stat = path.stat()
    try:
        return job_queue.enqueue(
            path, UPLOAD_SOURCE, "move", None, stat.st_size, stat.st_mtime, owner_id
        )
    except BaseException as exc:
        _discard(path.parent)
        if is_disk_full(exc):
            raise DiskFull() from exc
        raise


@bp.post("/uploads")
def upload() -> Any:
    """One file per request (the body is the file, ``name`` its file name)."""
    if not can(g.get("user"), "photo.upload"):
        fail(403, "your role may not add photos")
    limit = _limit()
    if (request.content_length or 0) > limit:
        fail(413, f"larger than the upload limit of {limit // 2**20} MiB")
    request.max_content_length = limit  # this route only; the app's limit is for JSON
    name = safe_name(request.args.get("name", ""))
    library = current_app.config["SHOEBOX_LIBRARY"]
    folder = library.uploads / secrets.token_hex(8)
    try:
        path = _receive(folder, name, limit)
        job = _enqueue(path, g.user.id)
    except (UploadRefused, DiskFull) as exc:
        fail(exc.status, str(exc))
    if job is None:  # cannot happen for a new folder; never leave a file without a job
        _discard(folder)
        fail(409, "this upload is already queued")
    response = jsonify(id=job.id, name=name, size=job.size, state="waiting")
    response.status_code = 201
    return response


@bp.get("/uploads")
def states() -> Any:
    raw = request.args.get("ids", "")
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        fail(400, "ids must be comma-separated numbers")
    if len(ids) > MAX_IDS or any(not 0 < i < 2**63 for i in ids):
        fail(400, f"at most {MAX_IDS} ids, each a positive number")
    return jsonify(uploads=[s.as_json() for s in upload_states(ids)])
