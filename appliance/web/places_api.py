"""JSON API v1 for places and the map (described in openapi.py with the other routes)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from appliance.catalog.map_markers import BBox, clusters, photos_in
from appliance.catalog.photos import existing_ids, place_of
from appliance.catalog.places import list_cities, list_countries, set_place
from appliance.places.place import valid_position
from appliance.web.api import _ids, body, fail, require_own

bp = Blueprint("places_api", __name__, url_prefix="/api/v1")
MAX_SET = 1000


def _bbox() -> BBox:
    return BBox.parse(request.args.get("bbox", "-90,-180,90,180"))  # BadRequest: a 400


@bp.get("/places")
def countries() -> Any:
    return jsonify(countries=list_countries())


@bp.get("/places/<country_code>")
def cities(country_code: str) -> Any:
    if len(country_code) != 2 or not country_code.isalpha():
        fail(400, "country_code must be a two-letter ISO code")
    return jsonify(country_code=country_code.upper(), cities=list_cities(country_code))


@bp.get("/place-names")
def place_names() -> Any:
    text = request.args.get("q", "")
    if not 2 <= len(text.strip()) <= 100:
        fail(400, "q must be 2 to 100 characters")
    from appliance.places.geocoder import Geocoder

    found = Geocoder.shared().search(text, limit=10)
    return jsonify(
        places=[{**place.as_dict(), "latitude": lat, "longitude": lon} for place, lat, lon in found]
    )


@bp.get("/map/clusters")
def map_clusters() -> Any:
    raw = request.args.get("zoom", "2")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 22:
        fail(400, "zoom must be a whole number 0-22")
    return jsonify(clusters=clusters(_bbox(), int(raw)))


@bp.get("/map/photos")
def map_photos() -> Any:
    return jsonify(photos=photos_in(_bbox()))


@bp.post("/photos/place")
def place_photos() -> Any:
    data = body()
    ids = _ids(data, "ids")
    if not ids or len(ids) > MAX_SET:
        fail(400, f"ids must list 1 to {MAX_SET} photos")
    if not all(0 < i < 2**63 for i in ids):
        fail(400, "ids must be positive photo ids")
    lat, lon = data.get("latitude"), data.get("longitude")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        fail(400, "latitude and longitude must be numbers")
    if not valid_position(lat, lon):
        fail(400, "latitude must be within ±90, longitude within ±180, and not 0,0")
    known = existing_ids(ids)
    if len(known) != len(set(ids)):
        fail(404, "some photos do not exist")
    require_own("photo.edit", known)
    changed = set_place(known, float(lat), float(lon))
    return jsonify(updated=changed, place=place_of(known[0]))
