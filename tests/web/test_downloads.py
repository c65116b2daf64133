"""Downloads and share links (issue 28, item 6): every zip opens (Python's zipfile and
Debian's ``unzip -t``) and holds every photo, names that are not UTF-8 included; a share
link's zip is streamed, never spooled into cache/; wrong share passwords and logins are
limited even when they arrive all at once."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
import requests
from e2e.browsers import serve
from flask import Flask
from flask.testing import FlaskClient
from small_disk import small_disk
from web_fixtures import PASSWORD, Built, token

from appliance.catalog.models import File
from appliance.ingest.runner import Ingestor
from appliance.records import FileTask
from appliance.web import create_app

CHELSEA, COFFEE = "misc/skimage/chelsea.jpg", "misc/skimage/coffee.jpg"
NEW = "misc/dlib/mmod_cars_test_image2.jpg"  # not in the web library yet
ODD_NAME = b"caf\xe9 \xff.jpg"  # Latin-1 bytes: not UTF-8


def _import_odd_named(web: Built, corpus: Path, tmp_path: Path) -> int:
    """A photo whose file name is not UTF-8, imported by the real pipeline; its id."""
    source = tmp_path / "card"
    source.mkdir()
    path = Path(os.fsdecode(os.fsencode(source) + b"/" + ODD_NAME))
    shutil.copyfile(corpus / NEW, path)
    with Ingestor(web.settings, web.library) as ingestor:
        (outcome,) = ingestor.process([FileTask(path, "import", "copy")])
    assert outcome.status == "added", outcome
    (file,) = File.select().where(File.photo == outcome.photo_id)
    assert os.fsencode(file.original_name) == ODD_NAME  # the catalogue keeps the bytes
    return outcome.photo_id


def _check_zip(data: bytes, tmp_path: Path) -> dict[str, bytes]:
    """The members of a zip that both zipfile and ``unzip -t`` find whole."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        members = {info.filename: archive.read(info) for info in archive.infolist()}
        for info in archive.infolist():  # the UTF-8 flag is set exactly for non-ASCII names
            assert bool(info.flag_bits & 0x800) == (not info.filename.isascii()), info.filename
    unzip = shutil.which("unzip")
    assert unzip, "Debian's unzip is missing (scripts/bootstrap.sh test installs it)"
    target = tmp_path / "download.zip"
    target.write_bytes(data)
    checked = subprocess.run([unzip, "-t", str(target)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No errors detected" in checked.stdout
    return members


def _share(member: FlaskClient, web: Built, photo_ids: list[int], **options: object) -> dict:
    h = {"X-CSRF-Token": token(member)}
    album = member.post("/api/v1/albums", json={"title": "Café", "photo_ids": photo_ids}, headers=h)
    assert album.status_code == 201, album.json
    share = member.post(f"/api/v1/albums/{album.json['id']}/shares", json=options, headers=h)
    assert share.status_code == 201, share.json
    return share.json


def test_signed_in_zip_holds_a_photo_named_in_no_utf8(
    member: FlaskClient, web: Built, corpus: Path, tmp_path: Path
) -> None:
    odd = _import_odd_named(web, corpus, tmp_path)
    ids = f"{odd},{web.photo_ids[CHELSEA]}"
    response = member.get(f"/api/v1/photos/zip?ids={ids}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    members = _check_zip(response.data, tmp_path)
    assert len(members) == 2
    (odd_member,) = [name for name in members if "caf" in name]
    assert odd_member.endswith("caf\ufffd \ufffd.jpg")  # readable: the odd bytes marked
    assert members[odd_member] == (corpus / NEW).read_bytes()
    assert (corpus / CHELSEA).read_bytes() in members.values()


def test_share_zip_holds_a_photo_named_in_no_utf8(
    app: Flask, member: FlaskClient, web: Built, corpus: Path, tmp_path: Path
) -> None:
    odd = _import_odd_named(web, corpus, tmp_path)
    share = _share(member, web, [odd, web.photo_ids[CHELSEA]], allow_download=True)
    response = app.test_client().get(share["path"] + "/download.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    members = _check_zip(response.data, tmp_path)
    assert members == {
        "caf\ufffd \ufffd.jpg": (corpus / NEW).read_bytes(),
        "chelsea.jpg": (corpus / CHELSEA).read_bytes(),
    }
    disposition = response.headers["Content-Disposition"]
    assert 'filename="Cafe.zip"' in disposition and "filename*=UTF-8''Caf%C3%A9.zip" in disposition


def test_share_zip_is_streamed_without_room_in_cache(
    app: Flask, member: FlaskClient, web: Built, corpus: Path, tmp_path: Path
) -> None:
    """A visitor's zip costs no disk: it downloads whole while cache/ has no room at all."""
    share = _share(
        member, web, [web.photo_ids[CHELSEA], web.photo_ids[COFFEE]], allow_download=True
    )
    with small_disk(web.library.cache, "64k") as cache:
        (cache / "filler").write_bytes(b"\0" * 64 * 1024)  # now full
        with pytest.raises(OSError):
            (cache / "more").write_bytes(b"\0" * 4096)
        response = app.test_client().get(share["path"] + "/download.zip", buffered=False)
        assert response.status_code == 200 and response.is_streamed
        data = b"".join(response.response)
    members = _check_zip(data, tmp_path)
    assert members == {
        "chelsea.jpg": (corpus / CHELSEA).read_bytes(),
        "coffee.jpg": (corpus / COFFEE).read_bytes(),
    }


def _parallel(count: int, attempt: object) -> list[int]:
    """Run ``attempt(barrier)`` in ``count`` threads at once; their HTTP statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        status = attempt(barrier)  # type: ignore[operator]
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == count, "a request did not finish"
    return statuses


_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_parallel_wrong_share_passwords_get_five_tries(member: FlaskClient, web: Built) -> None:
    share = _share(member, web, [web.photo_ids[CHELSEA]], password="tarte tatin")
    with serve(create_app(web.settings, web.library)) as base:
        url = base + share["path"]

        def wrong_password(barrier: threading.Barrier) -> int:
            with requests.Session() as visitor:
                page = visitor.get(url, timeout=60)
                csrf = _CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
                barrier.wait()
                data = {"password": "wrong guess", "csrf_token": csrf}
                return visitor.post(url, data=data, allow_redirects=False, timeout=60).status_code

        statuses = _parallel(40, wrong_password)
        assert sorted(set(statuses)) == [401, 429]
        assert statuses.count(401) == 5, statuses  # the limit: 5 tries per 5 minutes
        with requests.Session() as visitor:  # the right password waits too now
            csrf = _CSRF_FIELD.search(visitor.get(url, timeout=60).text).group(1)  # type: ignore[union-attr]
            data = {"password": "tarte tatin", "csrf_token": csrf}
            assert visitor.post(url, data=data, allow_redirects=False).status_code == 429


def test_parallel_wrong_logins_get_five_tries(app: Flask, member: FlaskClient, web: Built) -> None:
    with serve(create_app(web.settings, web.library)) as base:

        def wrong_login(barrier: threading.Barrier) -> int:
            with requests.Session() as browser:
                page = browser.get(base + "/login", timeout=60)
                csrf = _CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
                barrier.wait()
                data = {"username": "bob", "password": "not " + PASSWORD, "csrf_token": csrf}
                return browser.post(
                    base + "/login", data=data, allow_redirects=False, timeout=60
                ).status_code

        statuses = _parallel(40, wrong_login)
        assert statuses.count(401) == 5 and statuses.count(429) == 35, statuses
