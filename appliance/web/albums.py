"""Album pages: the list, and one album with its share links."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from appliance.catalog.albums import AlbumError, get_album, list_shares
from appliance.catalog.queries import list_albums
from appliance.web.browse import grid

bp = Blueprint("albums", __name__)


@bp.get("/albums")
def index() -> str:
    return render_template("albums.html", title="Albums", albums=list_albums())


@bp.get("/albums/<int:album_id>")
def album(album_id: int) -> str:
    try:
        found = get_album(album_id)  # an album in the trash is gone until restored
    except AlbumError:
        abort(404, "no such album")
    return grid(
        found.title,
        q=f"album:#{album_id}",
        hide_query=True,
        album=found,
        shares=list_shares(album_id),
    )
