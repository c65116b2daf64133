"""Share links: one album, read-only, without signing in, and nothing else."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from appliance.catalog.albums import active_share, album_of_share
from appliance.catalog.models import ShareLink
from appliance.catalog.photos import shareable
from appliance.catalog.queries import search_photos, sha_in_album
from appliance.search.query import Query, Term
from appliance.web.media import check_sha, send_thumb
from appliance.web.security import public

bp = Blueprint("share", __name__, url_prefix="/s")


def _share(token: str) -> ShareLink:
    share = active_share(token)
    if share is None:
        abort(404, "this link does not exist any more")
    return share


@bp.get("/<token>")
@public
def album(token: str) -> Any:
    share = _share(token)
    found = album_of_share(share)
    response = Response(render_template("share.html", title=found.title, album=found, token=token))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/<token>/photos.json")
@public
def photos(token: str) -> Any:
    share = _share(token)
    query = Query([Term("album", share.album_id)])
    page = search_photos(query, cursor=request.args.get("cursor") or None, where=shareable())
    return jsonify(items=page.items, next_cursor=page.next_cursor)


@bp.get("/<token>/thumb/<size>/<sha256>.jpg")
@public
def thumb(token: str, size: str, sha256: str) -> Response:
    share = _share(token)
    if not sha_in_album(check_sha(sha256), share.album_id, where=shareable()):
        abort(404)
    return send_thumb(sha256, size)
