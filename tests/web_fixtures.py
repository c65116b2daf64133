"""A small real library for the web tests: corpus photos copied in as originals, real
thumbnails (the render engineer's renderer), reference metadata from exiftool.json, labels,
and faces found by dlib's HOG detector, inserted through the catalog models."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from appliance.catalog.db import connect
from appliance.catalog.models import (
    Face,
    File,
    Label,
    Location,
    Person,
    Photo,
    PhotoLabel,
    database_proxy,
)
from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.library import Library
from appliance.media.render import render
from appliance.media.thumbs import ThumbnailCache
from appliance.web import create_app

# corpus path, labels, mime, fallback date (used when the file has no EXIF date)
PHOTOS: list[tuple[str, list[str], str, str]] = [
    ("misc/skimage/chelsea.jpg", ["cat"], "image/jpeg", "2023-06-12 10:00:00"),
    ("heif/pillow_heif/cat.hif", ["cat"], "image/heic", "2023-05-02 09:00:00"),
    ("misc/skimage/coffee.jpg", ["coffee"], "image/jpeg", "2023-04-20 08:15:00"),
    ("misc/dlib/mmod_cars_test_image.jpg", ["car", "street"], "image/jpeg", "2023-03-03 12:00:00"),
    ("misc/dlib/giraffe.jpg", ["giraffe", "zebra"], "image/jpeg", "2022-12-24 15:30:00"),
    ("misc/dlib/eagle.jpg", ["bird"], "image/jpeg", "2022-11-11 11:11:00"),
    ("misc/immich/albums/nature/prairie_falcon.jpg", ["bird"], "image/jpeg", "2022-10-01 07:00:00"),
    ("faces/face_recognition/obama.jpg", [], "image/jpeg", "2022-09-09 09:00:00"),
    ("faces/face_recognition/biden.jpg", [], "image/jpeg", "2022-08-08 08:00:00"),
    ("faces/face_recognition/two_people.jpg", [], "image/jpeg", "2022-07-07 07:00:00"),
    ("exif/exif-samples/gps/DSCN0010.jpg", ["street"], "image/jpeg", ""),
    ("exif/exif-samples/gps/DSCN0021.jpg", [], "image/jpeg", ""),
]
OBAMA = "faces/face_recognition/obama.jpg"
BIDEN = "faces/face_recognition/biden.jpg"
TWO = "faces/face_recognition/two_people.jpg"
PASSWORD = "correct horse battery"


@dataclass
class Built:
    library: Library
    settings: Settings
    photo_ids: dict[str, int]  # corpus path -> photo id
    obama_id: int  # unnamed person
    biden_id: int  # named "Joe Biden"


def _exif_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    match = re.match(r"(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)", str(value))
    return dt.datetime(*map(int, match.groups())) if match else None


def _faces(image) -> list[tuple[float, float, float, float]]:
    import dlib
    import numpy as np

    detector = dlib.get_frontal_face_detector()
    rects = detector(np.asarray(image.convert("RGB")), 1)
    return sorted(
        (float(r.left()), float(r.top()), float(r.width()), float(r.height())) for r in rects
    )


def build_library(root: Path, corpus: Path) -> Built:
    """Create the library under ``root`` (slow part: ~2 s); copy it for each test."""
    library = Library(root).ensure()
    db = connect(library.catalog_path)
    reference = {r["SourceFile"]: r for r in json.loads((corpus / "exiftool.json").read_text())}
    cache = ThumbnailCache(library.cache)
    ids: dict[str, int] = {}
    boxes: dict[str, list[tuple[float, float, float, float]]] = {}
    with database_proxy.atomic():
        for rel, labels, mime, fallback in PHOTOS:
            source = corpus / rel
            data = source.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            meta = reference.get(rel, {})
            rend = render(source, mime, meta.get("Orientation"))
            cache.write(sha, rend)
            taken = _exif_time(meta.get("DateTimeOriginal")) or _exif_time(
                fallback.replace("-", ":")
            )
            stored = Path(f"{taken:%Y/%m}") / source.name
            (library.originals / stored).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, library.originals / stored)
            lat, lon = meta.get("GPSLatitude"), meta.get("GPSLongitude")
            photo = Photo.create(
                kind="image",
                mime=mime,
                primary_sha256=sha,
                taken_at=taken,
                taken_at_offset=120 if meta.get("DateTimeOriginal") else None,
                taken_at_source="exif" if meta.get("DateTimeOriginal") else "fixture",
                sort_time=taken,
                camera_make=meta.get("Make"),
                camera_model=meta.get("Model"),
                exposure_time=meta.get("ExposureTime"),
                f_number=meta.get("FNumber"),
                iso=meta.get("ISO"),
                focal_length=meta.get("FocalLength"),
                latitude=lat if isinstance(lat, float | int) else None,
                longitude=lon if isinstance(lon, float | int) else None,
                width=rend.display_size[0],
                height=rend.display_size[1],
                labels_version=1,
                faces_version=1,
            )
            file = File.create(
                photo=photo,
                sha256=sha,
                mime=mime,
                kind="image",
                size=len(data),
                width=rend.display_size[0],
                height=rend.display_size[1],
                stored_path=str(stored),
                original_name=source.name,
            )
            Location.create(path=str(source), file=file, source="import", size=len(data))
            for name in labels:
                label, _ = Label.get_or_create(name=name)
                PhotoLabel.create(photo=photo, label=label, confidence=0.9)
            ids[rel] = photo.id
            if rel in (OBAMA, BIDEN, TWO):
                scale = rend.display_size[0] / rend.viewer_image.width
                boxes[rel] = [tuple(v * scale for v in box) for box in _faces(rend.viewer_image)]
        obama = Person.create(name=None)
        biden = Person.create(name="Joe Biden")
        plan = [(OBAMA, 0, obama), (TWO, 0, obama), (BIDEN, 0, biden), (TWO, 1, biden)]
        for rel, index, person in plan:
            x, y, w, h = boxes[rel][index]
            Face.create(
                photo=ids[rel],
                box_x=x,
                box_y=y,
                box_w=w,
                box_h=h,
                score=0.99,
                quality=0.9,
                usable=True,
                person=person,
                assignment="auto",
            )
        for person in (obama, biden):
            person.face_count = Face.select().where(Face.person == person).count()
            person.save()
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    settings = Settings(library=root, setup_file=root / "no-seed.toml", workers=1)
    return Built(library, settings, ids, obama.id, biden.id)


def copy_built(built: Built, root: Path) -> Built:
    """A private copy of a built library (SQLite file and thumbnails) under ``root``."""
    shutil.copytree(built.library.root, root)
    settings = Settings(library=root, setup_file=root / "no-seed.toml", workers=1)
    return Built(Library(root), settings, built.photo_ids, built.obama_id, built.biden_id)


_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


@pytest.fixture(scope="session")
def web_template(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_library(tmp_path_factory.mktemp("weblib") / "library", corpus)


@pytest.fixture
def web(web_template: Built, tmp_path: Path) -> Built:
    return copy_built(web_template, tmp_path / "library")


@pytest.fixture
def app(web: Built) -> Flask:
    return create_app(web.settings, web.library)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )


def token(client: FlaskClient) -> str:
    """The session's CSRF token, read from a page like the browser does."""
    return csrf_of(client.get("/people").text)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    create_user("alice", PASSWORD, "admin")
    client = app.test_client()
    assert sign_in(client, "alice").status_code == 302
    return client


@pytest.fixture
def member(app: Flask, admin: FlaskClient) -> FlaskClient:
    create_user("bob", PASSWORD, "member")
    client = app.test_client()
    assert sign_in(client, "bob").status_code == 302
    return client
