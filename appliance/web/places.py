"""The Places pages (countries, then regions and cities), the offline map and its tiles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from appliance.catalog.places import list_cities, list_countries
from appliance.places.tiles import TileStore

bp = Blueprint("places", __name__)
MAPS_FOLDER = "maps"  # in the library: *.mbtiles a family adds for street level
ATTRIBUTION_GEONAMES = "Places: GeoNames (CC BY 4.0), borders: Natural Earth"


def tiles() -> TileStore:
    """One tile store per app: the library's maps/ files and the packaged basemap."""
    store = current_app.extensions.get("shoebox_tiles")
    if store is None:
        library = current_app.config["SHOEBOX_LIBRARY"]
        store = TileStore(library.root / MAPS_FOLDER)
        current_app.extensions["shoebox_tiles"] = store
    return store


@bp.get("/places")
def index() -> str:
    return render_template(
        "places.html", title="Places", countries=list_countries(), credit=ATTRIBUTION_GEONAMES
    )


@bp.get("/places/<country_code>")
def country(country_code: str) -> str:
    if len(country_code) != 2 or not country_code.isalpha():
        abort(404)
    cities = list_cities(country_code)
    if not cities:
        abort(404)
    name = next(
        (c["country"] for c in list_countries() if c["country_code"] == country_code.upper()),
        country_code.upper(),
    )
    return render_template(
        "place_cities.html",
        title=name,
        country=name,
        country_code=country_code.upper(),
        cities=cities,
        credit=ATTRIBUTION_GEONAMES,
    )


@bp.get("/map")
def map_page() -> str:
    store = tiles()
    ids = request.args.get("set", "")
    set_ids = [int(i) for i in ids.split(",") if i.isdigit()][:500]
    return render_template(
        "map.html",
        title="Map",
        maxzoom=max(store.maxzoom, 6),
        attribution=store.attribution,
        credit=ATTRIBUTION_GEONAMES,
        set_ids=",".join(map(str, set_ids)),
    )


@bp.get("/tiles/<int:z>/<int:x>/<int:y>.png")
def tile(z: int, x: int, y: int) -> Any:
    found = tiles().tile(z, x, y)
    if found is None:
        abort(404)
    data, mime = found
    response = current_app.response_class(data, mimetype=mime)
    response.cache_control.max_age = 86400
    response.cache_control.private = True
    return response
