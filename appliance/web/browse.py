"""The timeline, favourites, archive and the photo viewer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request

from appliance.catalog.photos import PhotoNotFound, visible_photo
from appliance.catalog.queries import neighbours, photo_detail
from appliance.catalog.recent import recently_added
from appliance.search.query import QueryError, parse_query
from appliance.search.synonyms import labels_for
from appliance.web.media import video_fields

bp = Blueprint("browse", __name__)
VIEWS = {"timeline": False, "archive": True}


def grid(title: str, q: str = "", view: str = "timeline", **extra: Any) -> str:
    """Render the shared grid page; the grid itself is filled by static/app.js from the API."""
    params = {k: v for k, v in (("q", q), ("view", view if view != "timeline" else "")) if v}
    limit = request.args.get("limit", "")
    api = params | ({"limit": limit} if limit.isdigit() and 0 < int(limit) <= 200 else {})
    return render_template(
        "grid.html",
        title=title,
        api_params=urlencode(api),
        context=urlencode(params),
        q=q,
        **extra,
    )


@bp.get("/")
def timeline() -> str:
    from appliance.web.moments import memory_cards

    return grid("Photos", memories=memory_cards())


@bp.get("/favorites")
def favorites() -> str:
    return grid("Favourites", q="favorite:yes", hide_query=True)


@bp.get("/recent")
def recent() -> str:
    """Recently added: what came in last, grouped by the day it came and where from."""
    page = recently_added(request.args.get("cursor") or None)
    groups: list[dict[str, Any]] = []
    for item in page.items:
        day = item["added_at"][:10]
        if not groups or (groups[-1]["day"], groups[-1]["source"]) != (day, item["source"]):
            groups.append({"day": day, "source": item["source"], "photos": []})
        groups[-1]["photos"].append(item)
    return render_template(
        "recent.html", title="Recently added", groups=groups, next_cursor=page.next_cursor
    )


@bp.get("/archive")
def archive() -> str:
    return grid("Archive", view="archive")


@bp.get("/photo/<int:photo_id>")
def photo(photo_id: int) -> str:
    """The viewer; ``q`` and ``view`` keep prev/next inside the list it was opened from."""
    try:
        item = visible_photo(photo_id)
    except PhotoNotFound:
        abort(404, "no such photo")
    detail = photo_detail(photo_id)
    if detail is None:
        abort(404, "no such photo")
    q = request.args.get("q", "")
    try:
        query = parse_query(q) if q else None
    except QueryError:
        query, q = None, ""
    newer, older = neighbours(item, query, labels_for)
    context = urlencode({k: v for k, v in (("q", q),) if v})
    detail |= video_fields(detail)
    return render_template(
        "photo.html", title="Photo", p=detail, newer=newer, older=older, context=context
    )
