"""Thumbnails and originals, served by content hash with long-lived caching.

No request path reaches the file system: the URL carries only a SHA-256 (checked against
the catalog); the file path comes from the catalog and is resolved and checked to stay
inside the library (or, for files indexed in place, to be a plain file reached without
symlinks).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, request, send_file, url_for
from werkzeug.http import dump_options_header

from appliance.catalog import photo_edits
from appliance.catalog.files import find_file
from appliance.catalog.models import File
from appliance.catalog.photos import has_thumbnail
from appliance.library import Library
from appliance.media.as_jpeg import jpeg_name
from appliance.media.decode import RenderError
from appliance.media.edit_render import EditedCache, full_size_jpeg
from appliance.media.thumbs import SIZES, ThumbnailCache
from appliance.media.videocache import VideoCache
from appliance.originals import UnsafePath, original_path
from appliance.originals import inside as _inside

SHA256 = re.compile(r"[0-9a-f]{64}")
YEAR = 365 * 24 * 3600

bp = Blueprint("media", __name__, url_prefix="/media")


def library() -> Library:
    return current_app.config["SHOEBOX_LIBRARY"]


def check_sha(sha256: str) -> str:
    if not SHA256.fullmatch(sha256 or ""):
        abort(404)
    return sha256


def content_disposition(disposition: str, name: str) -> str:
    """RFC 6266: an ASCII ``filename`` fallback (controls, quotes and backslashes replaced)
    and the exact name as ``filename*`` (RFC 8187 percent-encoded UTF-8). Names with bytes
    that are not UTF-8 (kept as surrogate escapes) are encoded byte for byte."""
    raw = name.encode("utf-8", "surrogateescape")
    if all(0x20 <= byte < 0x7F for byte in raw) and not set(name) & set('"\\%'):
        return dump_options_header(disposition, {"filename": name})  # plain ASCII name
    fallback = "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%' else "_"
        for ch in raw.decode("ascii", "replace")
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(raw, safe='')}"


def cached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.cache_control.no_cache = None  # send_file's default when given no max_age
    response.cache_control.public = True  # addressed by content hash: never changes
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response.make_conditional(request)


def send_thumb(sha256: str, size: str) -> Response:
    """Serve a cached thumbnail, edited when its photo has an edit (`catalog.photo_edits`);
    the caller has checked the viewer may see ``sha256``."""
    if size not in SIZES:
        abort(404)
    lib = library()
    try:
        path = _inside(ThumbnailCache(lib.cache).path(check_sha(sha256), size), lib.cache)
    except (ValueError, UnsafePath):
        abort(404)
    if not path.is_file():
        abort(404)
    recipe = photo_edits.edits_of_primary(sha256) if request.args.get("e") != "none" else None
    if recipe:  # ?e=none: the picture before its edit (the editor starts from it)
        return _send_edited(sha256, size, recipe)
    response = send_file(path, mimetype="image/jpeg", conditional=False, etag=False)
    return cached(response, f"{sha256}-{size}")


def _send_edited(sha256: str, size: str, recipe: dict) -> Response:
    """The edited rendition: immutable at its versioned URL (``?e=<recipe key>``, what the
    grid and viewer ask for), revalidated at the plain one (covers), which an edit changes."""
    lib = library()
    key = photo_edits.key(recipe) or ""
    viewer = ThumbnailCache(lib.cache).path(sha256, "viewer")
    try:
        path = EditedCache(lib.cache).rendition(sha256, size, key, viewer, recipe)
    except OSError:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=False, etag=False)
    if request.args.get("e") == key:
        return cached(response, f"{sha256}-{size}-{key}")
    response.set_etag(f"{sha256}-{size}-{key}")
    response.cache_control.no_cache = True
    return response.make_conditional(request)


_LOOK_UP = "look up"


def thumb_url(sha256: str, size: str = "grid", edit: str | None = _LOOK_UP) -> str:
    """A thumbnail's URL for a page (covers, strips, tiles): at its edit's versioned URL
    when the photo has an edit, so a browser that kept the picture from before the edit
    (immutable at the plain URL) shows the edit. ``edit``: the edit's key when the caller
    has it (a tile's ``edit``; None: not edited), else it is looked up."""
    if edit == _LOOK_UP:
        recipe = photo_edits.edits_of_primary(sha256)
        edit = photo_edits.key(recipe) if recipe else None
    return url_for("media.thumb", size=size, sha256=sha256, **({"e": edit} if edit else {}))


@bp.get("/thumb/<size>/<sha256>.jpg")
def thumb(size: str, sha256: str) -> Response:
    check_sha(sha256)
    if not has_thumbnail(sha256):
        abort(404)
    return send_thumb(sha256, size)


@bp.get("/original/<sha256>")
def original(sha256: str) -> Response:
    """The original bytes (range requests supported); ``?download=1`` for an attachment."""
    file = find_file(check_sha(sha256))
    if file is None:
        abort(404)
    try:
        path = original_path(library(), file)
    except UnsafePath:
        abort(403, "this file is outside the library")
    except (FileNotFoundError, OSError):
        abort(404, "the original is not reachable (drive disconnected?)")
    response = send_file(
        path, mimetype=file.mime or None, conditional=True, etag=sha256, max_age=YEAR
    )
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    response.headers["Content-Disposition"] = content_disposition(
        disposition, file.original_name or path.name
    )
    response.cache_control.private = True
    response.cache_control.public = False
    response.cache_control.immutable = True
    return response


@bp.get("/edited/<sha256>.jpg")
def edited(sha256: str) -> Response:
    """The photo with its edit, full size, as a JPEG download ("Download edited")."""
    recipe = photo_edits.edits_of_primary(check_sha(sha256))
    file = find_file(sha256)
    if recipe is None or file is None:
        abort(404)
    try:
        data = full_size_jpeg(original_path(library(), file), file.mime or "", recipe)
    except UnsafePath:
        abort(403, "this file is outside the library")
    except (FileNotFoundError, OSError):
        abort(404, "the original is not reachable (drive disconnected?)")
    except RenderError as exc:
        abort(404, f"this photo cannot be edited here: {exc}")
    response = Response(data, mimetype="image/jpeg")
    name = jpeg_name(f"{PurePath(file.original_name or 'photo').stem}-edited")
    response.headers["Content-Disposition"] = content_disposition("attachment", name)
    response.cache_control.private = True
    return response


# --- movies -------------------------------------------------------------------------------


def playable_file(files: list[dict]) -> dict | None:
    """The file of a photo detail that plays: its video, its Live Photo movie, or a Motion
    Photo still with an embedded movie."""
    return next((f for f in files if f.get("playback")), None)


def video_fields(detail: dict) -> dict:
    """``video_url`` (for anything that plays), ``video_state`` (``ready``, ``preparing``
    until the transcode exists, ``failed``) and ``video_mime`` of a photo detail."""
    file = playable_file(detail.get("files") or [])
    if file is None:
        return {"video_url": None, "video_state": None, "video_mime": None}
    state, mime = _movie_state(file["sha256"], file["playback"], file["kind"])
    return {
        "video_url": url_for("media.video", sha256=file["sha256"]),
        "video_state": state,
        "video_mime": mime,
    }


def _movie_state(sha256: str, playback: str, kind: str) -> tuple[str, str]:
    cache = VideoCache(library().cache)
    if playback == "direct":
        row = find_file(sha256)
        return "ready", _direct_mime(row)
    if cache.has_transcode(sha256):
        return "ready", "video/mp4"
    return ("failed" if cache.failure_reason(sha256) else "preparing"), "video/mp4"


def _direct_mime(file: File | None) -> str:
    return "video/webm" if file is not None and file.container == "webm" else "video/mp4"


@bp.get("/video/<sha256>")
def video(sha256: str) -> Response:
    """The movie of a file, ready for a ``<video>`` element (Range requests: 206): the
    original when browsers play it as it is, else the cached transcode (503 with
    Retry-After while it is being prepared)."""
    file = find_file(check_sha(sha256))
    if file is None or file.playback is None or file.photo.status != "ok":
        abort(404)
    lib = library()
    cache = VideoCache(lib.cache)
    mime = "video/mp4"
    try:
        if file.playback == "transcode":
            path = _inside(cache.transcode(sha256), lib.cache)
            if not path.is_file():
                if cache.failure_reason(sha256):
                    abort(404, "this video cannot be played")
                response = Response("preparing video", status=503, mimetype="text/plain")
                response.headers["Retry-After"] = "10"
                return response
        elif file.kind == "video":
            path, mime = original_path(lib, file), _direct_mime(file)
        else:
            path = _inside(cache.motion(sha256), lib.cache)
    except UnsafePath:
        abort(403, "this file is outside the library")
    except (FileNotFoundError, OSError):
        abort(404, "the movie is not reachable (drive disconnected?)")
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mime, conditional=True, etag=f"{sha256}-video")
    response.cache_control.private = True
    response.cache_control.max_age = YEAR
    return response
