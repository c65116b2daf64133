"""Places and map over HTTP: pages, tiles, clusters, a cluster's photos, setting a place."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import Built, token

from appliance.web.openapi import PLACE_RESPONSES

ARE = ("exif/exif-samples/gps/DSCN0010.jpg", "exif/exif-samples/gps/DSCN0021.jpg")
WORLD = "-90,-180,90,180"


def test_places_pages(member: FlaskClient) -> None:
    page = member.get("/places")
    assert page.status_code == 200 and "Italy" in page.text and "2 photos" in page.text
    assert "GeoNames" in page.text and "Natural Earth" in page.text
    cities = member.get("/places/it")
    assert cities.status_code == 200 and "Arezzo" in cities.text and "Tuscany" in cities.text
    assert member.get("/places/zz").status_code == 404
    assert member.get("/places/italy").status_code == 404


def test_places_api(member: FlaskClient, web: Built) -> None:
    countries = member.get("/api/v1/places").json["countries"]
    assert [(c["country_code"], c["country"], c["count"]) for c in countries] == [
        ("IT", "Italy", 2)
    ]
    assert countries[0]["cover"]["id"] in {web.photo_ids[r] for r in ARE}
    cities = member.get("/api/v1/places/IT").json["cities"]
    assert [(c["region"], c["city"], c["count"]) for c in cities] == [("Tuscany", "Arezzo", 2)]
    assert member.get("/api/v1/places/I").status_code == 400


def test_photo_detail_and_search_carry_the_place(member: FlaskClient, web: Built) -> None:
    photo = member.get(f"/api/v1/photos/{web.photo_ids[ARE[0]]}").json
    assert photo["place"] == {
        "country_code": "IT",
        "country": "Italy",
        "region": "Tuscany",
        "city": "Arezzo",
    }
    found = member.get("/api/v1/photos", query_string={"q": "arezzo"}).json["items"]
    assert {p["id"] for p in found} == {web.photo_ids[r] for r in ARE}
    found = member.get("/api/v1/photos", query_string={"q": "place:italy -kitty"}).json["items"]
    assert len(found) == 2
    assert member.get("/api/v1/photos", query_string={"q": "place:"}).status_code == 400


def test_clusters_and_their_photos(member: FlaskClient, web: Built) -> None:
    world = member.get("/api/v1/map/clusters", query_string={"bbox": WORLD, "zoom": 2}).json
    assert sum(c["count"] for c in world["clusters"]) == 2
    (cluster,) = world["clusters"]
    assert cluster["lat"] == pytest.approx(43.467, abs=0.01) and cluster["sha256"]
    photos = member.get(
        "/api/v1/map/photos", query_string={"bbox": ",".join(map(str, cluster["bounds"]))}
    ).json["photos"]
    assert {p["id"] for p in photos} == {web.photo_ids[r] for r in ARE}
    # at street level the two photos (~300 m apart) are separate markers
    close = member.get(
        "/api/v1/map/clusters", query_string={"bbox": "43.4,11.8,43.5,11.95", "zoom": 18}
    ).json
    assert len(close["clusters"]) == 2
    elsewhere = member.get("/api/v1/map/clusters", query_string={"bbox": "0,0,10,10"}).json
    assert elsewhere["clusters"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"zoom": "x"},
        {"zoom": "-1"},
        {"zoom": "99"},
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "nan,0,1,1"},
        {"bbox": "10,0,5,1"},
        {"bbox": "-100,0,1,1"},
        {"bbox": "inf,0,1,1"},
        {"zoom": "²"},
    ],
)
def test_bad_map_parameters_are_400(member: FlaskClient, params: dict) -> None:
    response = member.get("/api/v1/map/clusters", query_string=params)
    assert response.status_code == 400 and response.json["error"]


def test_set_place_of_a_photo_without_gps(
    admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    """The family's photo (imported by the box): an admin sets its place, everyone sees it."""
    cat = web.photo_ids["misc/skimage/chelsea.jpg"]
    headers = {"X-CSRF-Token": token(admin)}
    names = member.get("/api/v1/place-names", query_string={"q": "Lisb"}).json["places"]
    lisbon = next(p for p in names if p["country_code"] == "PT")
    response = admin.post(
        "/api/v1/photos/place",
        json={"ids": [cat], "latitude": lisbon["latitude"], "longitude": lisbon["longitude"]},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["updated"] == 1
    assert response.json["place"]["city"] == "Lisbon"
    assert member.get(f"/api/v1/photos/{cat}").json["place"]["country"] == "Portugal"
    found = member.get("/api/v1/photos", query_string={"q": "portugal"}).json["items"]
    assert [p["id"] for p in found] == [cat]
    bad = [
        {"ids": [cat], "latitude": 0, "longitude": 0},
        {"ids": [cat], "latitude": 95, "longitude": 0},
        {"ids": [cat], "latitude": "38", "longitude": 9},
        {"ids": [], "latitude": 38, "longitude": -9},
        {"ids": "x", "latitude": 38, "longitude": -9},
        {"latitude": True, "longitude": 1},
        {"ids": [10**30], "latitude": 38, "longitude": -9},
        {"ids": [cat], "latitude": 10**400, "longitude": -9},
    ]
    for body in bad:
        assert admin.post("/api/v1/photos/place", json=body, headers=headers).status_code == 400
    missing = {"ids": [999999], "latitude": 38.7, "longitude": -9.1}
    assert admin.post("/api/v1/photos/place", json=missing, headers=headers).status_code == 404
    assert member.post("/api/v1/photos/place", json=missing).status_code in (400, 403)
    assert member.get("/api/v1/place-names", query_string={"q": "x"}).status_code == 400


def test_tiles_from_the_packaged_basemap(member: FlaskClient) -> None:
    tile = member.get("/tiles/0/0/0.png")
    assert tile.status_code == 200 and tile.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert member.get("/tiles/6/33/22.png").status_code == 200
    assert member.get("/tiles/7/0/0.png").status_code == 404  # beyond the packaged zooms
    assert member.get("/tiles/2/9/0.png").status_code == 404
    page = member.get("/map")
    assert page.status_code == 200 and 'data-maxzoom="6"' in page.text
    assert "OpenStreetMap" in page.text and "GeoNames" in page.text


def test_tiles_need_a_login(app: Flask) -> None:
    anonymous = app.test_client()
    for url in ("/tiles/0/0/0.png", "/map", "/places", "/api/v1/map/clusters"):
        assert anonymous.get(url).status_code in (302, 401), url


def test_family_mbtiles_in_the_library_add_street_level(member: FlaskClient, web: Built) -> None:
    maps = web.library.root / "maps"
    maps.mkdir()
    with sqlite3.connect(maps / "street.mbtiles") as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute(
            "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
        )
        db.executemany(
            "INSERT INTO metadata VALUES (?, ?)",
            [("format", "png"), ("attribution", "Our street map")],
        )
        db.execute("INSERT INTO tiles VALUES (15, 17000, ?, ?)", (2**15 - 1 - 11000, b"street"))
    client = member  # the app opens the tile files at its first tile or map request
    assert client.get("/tiles/15/17000/11000.png").data == b"street"
    assert client.get("/tiles/0/0/0.png").status_code == 200  # the basemap still answers
    page = client.get("/map").text
    assert 'data-maxzoom="15"' in page and "Our street map" in page


def test_openapi_declares_place_responses(member: FlaskClient) -> None:
    spec = member.get("/api/v1/openapi.json").json
    for method, path in PLACE_RESPONSES:
        content = spec["paths"][path][method]["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["type"] == "object"
