"""A small real library for the web tests, made by the product itself: 12 corpus photos
imported with the real pipeline (``shoebox import``: thumbnails, metadata, classifier labels,
faces and people), then the user decisions the tests need, made through the library API."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pg_server import copy_catalog
from werkzeug.test import TestResponse

from appliance.catalog.models import Face
from appliance.catalog.people import name_person
from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.ingest.runner import Ingestor
from appliance.library import Library
from appliance.records import FileTask
from appliance.web import create_app

# corpus path, file time given to the copy (the taken date when the file has no EXIF date;
# empty: the file has one, its copy keeps the time it was copied)
PHOTOS: list[tuple[str, str]] = [
    ("misc/skimage/chelsea.jpg", "2023-06-12 10:00:00"),
    ("heif/pillow_heif/cat.hif", "2023-05-02 09:00:00"),
    ("misc/skimage/coffee.jpg", "2023-04-20 08:15:00"),
    ("misc/dlib/mmod_cars_test_image.jpg", "2023-03-03 12:00:00"),
    ("misc/dlib/giraffe.jpg", "2022-12-24 15:30:00"),
    ("misc/dlib/eagle.jpg", "2022-11-11 11:11:00"),
    ("misc/immich/albums/nature/prairie_falcon.jpg", "2022-10-01 07:00:00"),
    ("faces/face_recognition/obama.jpg", "2022-09-09 09:00:00"),
    ("faces/face_recognition/biden.jpg", "2022-08-08 08:00:00"),
    ("faces/face_recognition/two_people.jpg", "2022-07-07 07:00:00"),
    ("exif/exif-samples/gps/DSCN0010.jpg", ""),
    ("exif/exif-samples/gps/DSCN0021.jpg", ""),
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


def _copy_sources(corpus: Path, folder: Path) -> dict[Path, str]:
    """Copy the photos (names kept) with their file times set; return copy -> corpus path."""
    folder.mkdir(parents=True)
    copies: dict[Path, str] = {}
    for rel, file_time in PHOTOS:
        copy = folder / Path(rel).name
        shutil.copyfile(corpus / rel, copy)
        if file_time:
            stamp = dt.datetime.fromisoformat(file_time).timestamp()
            os.utime(copy, (stamp, stamp))
        copies[copy] = rel
    return copies


def _only_person(photo_id: int) -> int:
    """The person of the single face the pipeline found on a photo."""
    people = [face.person_id for face in Face.select().where(Face.photo == photo_id)]
    assert len(people) == 1 and people[0] is not None, f"photo {photo_id}: faces {people}"
    return people[0]


def build_library(root: Path, corpus: Path) -> Built:
    """Import the photos into a library at ``root`` like ``shoebox import`` (~4 s); copy it
    for each test. The imported copies stay in ``root``'s parent, where the catalog points."""
    copies = _copy_sources(corpus, root.parent / "import")
    settings = Settings(library=root, setup_file=root / "no-seed.toml", workers=1)
    assert settings.labels and settings.faces
    with Ingestor(settings) as ingestor:
        outcomes = ingestor.process([FileTask(path, "import", "copy") for path in copies])
    db = ingestor.db
    failed = [(o.task.path.name, o.status, o.error) for o in outcomes if o.status != "added"]
    assert not failed, f"the fixture photos did not all import: {failed}"
    ids = {copies[o.task.path]: o.photo_id for o in outcomes if o.photo_id is not None}
    obama, biden = _only_person(ids[OBAMA]), _only_person(ids[BIDEN])
    assert obama != biden, "the pipeline put Obama and Biden in one person"
    together = sorted(face.person_id for face in Face.select().where(Face.photo == ids[TWO]))
    assert together == sorted([obama, biden]), f"two_people.jpg: people {together}"
    # what a user does once the photos are in: name one person, leave the other unnamed
    name_person(biden, "Joe Biden")
    if db.backend == "sqlite":  # everything in catalog.db, so copying the folder copies it
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return Built(Library(root), settings, ids, obama, biden)


def copy_built(built: Built, root: Path) -> Built:
    """A private copy of a built library (SQLite file and thumbnails) under ``root``."""
    shutil.copytree(built.library.root, root)
    copy_catalog(built.library.catalog_path, Library(root).catalog_path)
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


def empty_library(root: Path) -> Built:
    """A new library without photos or people (for tests that need no real photos)."""
    settings = Settings(library=root, setup_file=root / "no-seed.toml", workers=1)
    return Built(Library(root).ensure(), settings, {}, 0, 0)


@pytest.fixture
def empty_app(tmp_path: Path) -> Flask:
    """The web app on a new library without photos: for tests that need no real photos."""
    built = empty_library(tmp_path / "empty-library")
    return create_app(built.settings, built.library)


@pytest.fixture
def empty_admin(empty_app: Flask) -> FlaskClient:
    create_user("alice", PASSWORD, "admin")
    client = empty_app.test_client()
    assert sign_in(client, "alice").status_code == 302
    return client
