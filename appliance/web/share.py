"""Share links: one album, read-only, without signing in, and nothing else.

A visitor sees the album's shareable photos (not archived, not in the trash) with no trace
of the family's own decisions (favourites, stacks, people). A link may ask for a password
first (kept hashed; the visitor's browser then remembers it in its cookie) and may let
visitors download the album as one zip (the originals, or JPEGs any computer opens) and
save one photo at a time.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from appliance.catalog import photo_edits
from appliance.catalog.albums import active_share, album_of_share, share_password_ok, shared_files
from appliance.catalog.app_settings import share_base_url
from appliance.catalog.files import find_file
from appliance.catalog.models import ShareLink
from appliance.catalog.photos import shareable
from appliance.catalog.queries import search_photos, sha_in_album
from appliance.media.as_jpeg import jpeg_bytes, jpeg_name, needs_jpeg
from appliance.media.decode import RenderError
from appliance.media.edit_render import full_size_jpeg
from appliance.originals import UnsafePath, original_path
from appliance.search.query import Query, Term
from appliance.web.media import check_sha, content_disposition, send_thumb
from appliance.web.security import public
from appliance.web.zipstream import Made, member_name, zip_response

bp = Blueprint("share", __name__, url_prefix="/s")
VISITOR_FIELDS = ("id", "sha256", "time", "kind", "width", "height", "duration")
OPENED_KEY = "shares_opened"
MAX_OPENED = 50


@bp.app_template_global()
def share_url(token: str) -> str:
    """The address of a share link: on ``share_base_url`` when the admin set one, else on
    the address this page was opened with."""
    base = share_base_url()
    path = url_for("share.album", token=token)
    return base + path if base else url_for("share.album", token=token, _external=True)


def _share(token: str, opened: bool = True) -> ShareLink:
    """The live link; with ``opened``, also the visitor must have typed its password."""
    share = active_share(token)
    if share is None:
        abort(404, "this link does not exist any more")
    if opened and share.password_hash and share.id not in session.get(OPENED_KEY, []):
        abort(401, "this link needs its password")
    return share


def _noindex(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/<token>")
@public
def album(token: str) -> Any:
    share = _share(token, opened=False)
    found = album_of_share(share)
    if share.password_hash and share.id not in session.get(OPENED_KEY, []):
        page = render_template("share_password.html", title="Shared album", token=token)
        return _noindex(Response(page, status=401))
    page = render_template(
        "share.html",
        title=found.title,
        album=found,
        token=token,
        allow_download=share.allow_download,
    )
    return _noindex(Response(page))


@bp.post("/<token>")
@public
def unlock(token: str) -> Any:
    """The password form of a protected link (tries count against the login limit)."""
    share = _share(token, opened=False)
    limiter = current_app.extensions["shoebox_limiter"]
    client = f"share:{request.remote_addr}"
    wait = limiter.attempt(client)  # checked and counted in one step
    if wait:
        abort(429, f"too many tries: wait {wait} s")
    if not share_password_ok(share, request.form.get("password", "")):
        page = render_template("share_password.html", title="Shared album", token=token, wrong=True)
        return _noindex(Response(page, status=401))
    limiter.succeeded(client)
    opened = [i for i in session.get(OPENED_KEY, []) if i != share.id][-(MAX_OPENED - 1) :]
    session[OPENED_KEY] = opened + [share.id]
    return redirect(url_for("share.album", token=token), code=303)


@bp.get("/<token>/photos.json")
@public
def photos(token: str) -> Any:
    share = _share(token)
    query = Query([Term("album", share.album_id)])
    page = search_photos(query, cursor=request.args.get("cursor") or None, where=shareable())
    items = [{k: item.get(k) for k in VISITOR_FIELDS} for item in page.items]
    return jsonify(items=items, next_cursor=page.next_cursor)


@bp.get("/<token>/thumb/<size>/<sha256>.jpg")
@public
def thumb(token: str, size: str, sha256: str) -> Response:
    share = _share(token)
    if not sha_in_album(check_sha(sha256), share.album_id, where=shareable()):
        abort(404)
    return send_thumb(sha256, size)


def _jpeg_as_shown(path: Path, file: Any) -> Made | None:
    """How to make the JPEG a visitor gets: the photo with its edit (`catalog.photo_edits`),
    or a JPEG of a picture many computers cannot open; None: the original is that JPEG."""
    recipe = photo_edits.edits_of_primary(file.sha256)
    if recipe:
        return partial(full_size_jpeg, path, file.mime or "", recipe)
    if needs_jpeg(file.mime):
        return partial(jpeg_bytes, path, file.mime)
    return None


@bp.get("/<token>/download.zip")
@public
def download(token: str) -> Response:
    """The album's originals as one zip (stored, not compressed: photos do not shrink),
    when the link allows downloads; streamed while it is written, like the signed-in zip,
    so no visitor costs a copy of the album on disk."""
    share = _share(token)
    if not share.allow_download:
        abort(403, "this link does not allow downloads")
    library = current_app.config["SHOEBOX_LIBRARY"]
    as_jpeg = request.args.get("as") == "jpeg"
    used: set[str] = set()
    entries: list[tuple[str, Path | Made]] = []
    for file in shared_files(share.album_id, shareable()):
        try:
            path = original_path(library, file)
        except (FileNotFoundError, UnsafePath):
            continue
        name = str(file.original_name or file.sha256[:12])
        made = _jpeg_as_shown(path, file) if as_jpeg else None
        if made is not None:
            entries.append((member_name(jpeg_name(name), "", used), made))
        else:
            entries.append((member_name(name, "", used), path))
    title = album_of_share(share).title
    safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in title).strip() or "album"
    response = zip_response(entries, f"{safe}{' (JPEG)' if as_jpeg else ''}.zip")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/<token>/photo/<sha256>")
@public
def save_photo(token: str, sha256: str) -> Response:
    """One photo for a visitor to keep, when the link allows downloads: the original, or
    with ``?as=jpeg`` a JPEG of a picture many computers cannot open (HEIC and the like)."""
    share = _share(token)
    if not share.allow_download:
        abort(403, "this link does not allow downloads")
    sha = check_sha(sha256)
    file = find_file(sha)
    if file is None or not sha_in_album(sha, share.album_id, where=shareable()):
        abort(404)
    try:
        path = original_path(current_app.config["SHOEBOX_LIBRARY"], file)
    except OSError:  # UnsafePath (outside the library) is one too; or its drive is away
        abort(404, "the photo is not reachable just now")
    name = str(file.original_name or path.name)
    made = _jpeg_as_shown(path, file) if request.args.get("as") == "jpeg" else None
    if made is not None:
        try:
            response = Response(made(), mimetype="image/jpeg")
        except RenderError as exc:
            abort(422, f"this photo cannot be made a JPEG: {exc}")
        name = jpeg_name(name)
    else:
        response = send_file(path, mimetype=file.mime or None, conditional=True, etag=sha)
    response.headers["Content-Disposition"] = content_disposition("attachment", name)
    response.headers["Cache-Control"] = "private, no-store"
    return _noindex(response)
