"""Album pages: the list, and one album with its share links."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from appliance.catalog.albums import list_shares
from appliance.catalog.models import Album
from appliance.catalog.queries import list_albums
from appliance.web.browse import grid

bp = Blueprint("albums", __name__)


@bp.get("/albums")
def index() -> str:
    return render_template("albums.html", title="Albums", albums=list_albums())


@bp.get("/albums/<int:album_id>")
def album(album_id: int) -> str:
    found = Album.get_or_none(Album.id == album_id)
    if found is None:
        abort(404, "no such album")
    return grid(
        found.title,
        q=f"album:#{album_id}",
        hide_query=True,
        album=found,
        shares=list_shares(album_id),
    )
