"""Phones back up over WebDAV (issue 21): the real service (`shoebox run`), the real
`rclone` as the backup app, app passwords made by `shoebox device`."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import socket
from pathlib import Path

import pytest
from phone_box import Box
from small_disk import small_disk
from torture import PASSWORD


def phone_folder(corpus: Path, target: Path) -> list[Path]:
    """A phone's camera folder: real photos of the corpus and a real video."""
    camera = target / "DCIM" / "Camera"
    camera.mkdir(parents=True)
    photos = sorted((corpus / "exif").rglob("*.jpg"))[:12]
    for photo in photos:
        shutil.copy2(photo, camera / photo.name)
    shutil.copy2(corpus / "video" / "VID_20211224_200500.mp4", camera)
    return sorted(camera.iterdir())


def copied(log: str) -> int:
    return log.count("Copied (new)") + log.count("Copied (replaced")


@pytest.mark.parametrize("vendor", ["other", "nextcloud"])
def test_rclone_backs_up_a_phone_once(
    box: Box, rclone: str, corpus: Path, tmp_path: Path, vendor: str
) -> None:
    files = phone_folder(corpus, tmp_path / "phone")
    password = box.add_phone("alice", "Pixel")
    first = box.rclone(rclone, password, "copy", str(tmp_path / "phone"), "phone:", vendor=vendor)
    assert copied(first) == len(files)
    queue = box.settled()
    assert queue["failed"] == 0 and queue["done"] == len(files)
    catalogued = box.catalogued()
    assert len(catalogued) == len({f.read_bytes() for f in files})  # each once
    assert {p["owner"] for p in catalogued} == {"alice"}  # the phone's member added them
    second = box.rclone(rclone, password, "copy", str(tmp_path / "phone"), "phone:", vendor=vendor)
    assert copied(second) == 0, second  # the app sees its files as present
    listed = box.rclone(rclone, password, "lsjson", "-R", "phone:")
    sizes = {
        e["Path"]: e["Size"] for e in json.loads(listed[listed.index("[") :]) if not e["IsDir"]
    }
    assert sizes == {f"DCIM/Camera/{f.name}": f.stat().st_size for f in files}
    assert not [p for p in (box.library / "uploads").rglob("*") if p.is_file()]
    phones = box.shoebox("device", "list", "alice").stdout
    assert "Pixel" in phones and f"{len(files)} files" in phones


def test_delete_and_move_change_only_the_listing(
    box: Box, rclone: str, corpus: Path, tmp_path: Path
) -> None:
    files = phone_folder(corpus, tmp_path / "phone")
    password = box.add_phone("alice", "Pixel")
    box.rclone(rclone, password, "copy", str(tmp_path / "phone"), "phone:")
    box.settled()
    before = box.catalogued()
    box.rclone(rclone, password, "moveto", f"phone:DCIM/Camera/{files[0].name}", "phone:moved.jpg")
    box.rclone(rclone, password, "purge", "phone:DCIM")
    listed = box.rclone(rclone, password, "lsf", "-R", "phone:")
    assert listed.split() == ["moved.jpg"] or "moved.jpg" in listed and "DCIM" not in listed
    after = box.catalogued()
    assert len(after) == len(before)
    originals = [p for p in (box.library / "originals").rglob("*") if p.is_file()]
    assert len([p for p in originals if p.suffix != ".xmp" and ".incoming" not in p.parts]) == len(
        before
    )


def test_the_same_photo_from_two_phones_is_one_photo(box: Box, corpus: Path) -> None:
    photo = sorted((corpus / "exif").rglob("*.jpg"))[0].read_bytes()
    for user, phone in (("alice", "Pixel"), ("bob", "iPhone")):
        password = box.add_phone(user, phone)
        status, _ = box.request("PUT", f"/remote.php/dav/files/{user}/a.jpg", user, password, photo)
        assert status == 201
    box.settled()
    assert len(box.catalogued()) == 1


def test_app_passwords_open_backup_only(box: Box) -> None:
    password = box.add_phone("alice", "Pixel")
    folder = "/remote.php/dav/files/alice/"
    assert box.request("PROPFIND", folder, "alice", password, Depth="1")[0] == 207
    assert box.request("PROPFIND", "/remote.php/webdav/", "alice", password, Depth="1")[0] == 207
    assert box.request("PROPFIND", folder, "alice", PASSWORD)[0] == 401  # the web password
    assert box.request("PROPFIND", folder, "bob", password)[0] == 401  # another user's name
    bob = box.add_phone("bob", "iPhone")
    assert box.request("PROPFIND", folder, "bob", bob)[0] == 403  # another member's folder
    # the app password does not sign in to the web UI
    conn = http.client.HTTPConnection("127.0.0.1", box.service.port, timeout=30)
    conn.request("GET", "/login")
    reply = conn.getresponse()
    page = reply.read().decode()
    csrf = page.split('csrf-token" content="')[1].split('"')[0]
    cookie = reply.getheader("Set-Cookie", "").split(";")[0]
    form = f"username=alice&password={password}&csrf_token={csrf}"
    conn.request(
        "POST",
        "/login",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert conn.getresponse().status not in (302, 303)
    # revoked: refused at once
    assert box.shoebox("device", "revoke", "alice", "Pixel").returncode == 0
    assert box.request("PROPFIND", folder, "alice", password)[0] == 401


def test_wrong_app_passwords_are_rate_limited(box: Box) -> None:
    password = box.add_phone("alice", "Pixel")
    folder = "/remote.php/dav/files/alice/"
    for _ in range(5):
        assert box.request("PROPFIND", folder, "alice", "wrong-guess")[0] == 401
    assert box.request("PROPFIND", folder, "alice", password)[0] == 401  # locked out a while


def test_paths_outside_the_phone_folder_are_refused(box: Box) -> None:
    password = box.add_phone("alice", "Pixel")
    for path in (
        "/remote.php/dav/files/alice/../bob/",
        "/remote.php/dav/files/alice/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/remote.php/webdav/../../../../etc/passwd",
    ):
        status, body = box.request("PUT", path, "alice", password, b"x")
        assert status in (400, 403, 404), (path, status, body[:200])
    assert not (box.library.parent / "etc").exists()
    assert not [p for p in (box.library / "uploads").rglob("*") if p.is_file()]
    assert box.settled()["done"] == 0


def test_a_put_cut_off_halfway_leaves_nothing(box: Box, corpus: Path) -> None:
    password = box.add_phone("alice", "Pixel")
    assert box.request("PROPFIND", "/remote.php/webdav/", "alice", password)[0] == 207
    token = base64.b64encode(f"alice:{password}".encode()).decode()
    with socket.create_connection(("127.0.0.1", box.service.port)) as sock:
        sock.sendall(
            b"PUT /remote.php/webdav/cut.jpg HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: Basic {token}\r\nContent-Length: 20000000\r\n\r\n".encode()
            + os.urandom(10_000_000)
        )
    assert box.request("PROPFIND", "/remote.php/webdav/cut.jpg", "alice", password)[0] == 404
    assert not [p for p in (box.library / "uploads").rglob("*") if p.is_file()]
    assert box.settled()["done"] == 0


def test_large_bodies_need_a_verified_app_password(box: Box) -> None:
    """Past 8 MiB the server only reads a body whose app password it checked already: it
    answers as soon as the headers are in, and reads none of a refused body."""
    password = box.add_phone("alice", "Pixel")

    def answer_to_headers(secret: str) -> bytes:
        token = base64.b64encode(f"alice:{secret}".encode()).decode()
        with socket.create_connection(("127.0.0.1", box.service.port), timeout=30) as sock:
            sock.sendall(
                b"PUT /remote.php/webdav/big.bin HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: Basic {token}\r\nContent-Length: {9 * 2**20}\r\n\r\n".encode()
            )
            return sock.recv(4096)

    assert answer_to_headers("guess").startswith(b"HTTP/1.1 401")
    assert answer_to_headers(password).startswith(b"HTTP/1.1 401")  # not checked yet
    assert box.request("PROPFIND", "/remote.php/webdav/", "alice", password)[0] == 207
    body = os.urandom(9 * 2**20)
    status, _ = box.request("PUT", "/remote.php/webdav/big.bin", "alice", password, body)
    assert status == 201


def test_a_full_disk_is_a_clear_error_and_loses_nothing(box: Box, corpus: Path) -> None:
    password = box.add_phone("alice", "Pixel")
    video = (corpus / "video" / "VID_20211224_200500.mp4").read_bytes()
    with small_disk(box.library / "uploads", "64k"):
        status, body = box.request("PUT", "/remote.php/webdav/v.mp4", "alice", password, video)
        assert status == 507, body[:300]
        assert not [p for p in (box.library / "uploads").rglob("*") if p.is_file()]
    assert box.request("PROPFIND", "/remote.php/webdav/v.mp4", "alice", password)[0] == 404
    status, _ = box.request("PUT", "/remote.php/webdav/v.mp4", "alice", password, video)
    assert status == 201  # room again: it arrives
    box.settled()
    assert len(box.catalogued()) == 1
