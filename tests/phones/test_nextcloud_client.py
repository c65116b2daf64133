"""Nextcloud's own sync client, `nextcloudcmd` (Debian's nextcloud-desktop-cmd), backs up
to Shoebox as to a Nextcloud server: status.php, the OCS capabilities, WebDAV with the
ownCloud properties, modification times kept (issue 21)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import shutil
import subprocess
from pathlib import Path

from phone_box import Box


def sync(
    nextcloudcmd: str, box: Box, password: str, folder: Path, url: str = "", *options: str
) -> str:
    command = [nextcloudcmd, "--non-interactive", *options, "-u", "alice", "-p", password]
    result = subprocess.run(
        [*command, str(folder), url or box.url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr + result.stdout


def get(box: Box, path: str, password: str | None = None) -> tuple[int, dict]:
    headers = {}
    if password:
        token = base64.b64encode(f"alice:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    conn = http.client.HTTPConnection("127.0.0.1", box.service.port, timeout=30)
    conn.request("GET", path, headers=headers)
    reply = conn.getresponse()
    return reply.status, json.loads(reply.read() or b"null")


def test_the_server_answers_as_nextcloud_does(box: Box) -> None:
    status, answer = get(box, "/status.php")
    assert status == 200 and answer["installed"] is True and answer["productname"] == "Shoebox"
    assert get(box, "/ocs/v1.php/cloud/capabilities?format=json")[0] == 401
    password = box.add_phone("alice", "Pixel")
    status, answer = get(box, "/ocs/v2.php/cloud/capabilities?format=json", password)
    assert status == 200
    capabilities = answer["ocs"]["data"]["capabilities"]
    assert capabilities["core"]["webdav-root"] == "remote.php/webdav"
    status, answer = get(box, "/ocs/v1.php/cloud/user?format=json", password)
    assert status == 200 and answer["ocs"]["data"]["id"] == "alice"
    assert get(box, "/ocs/v2.php/apps/files_sharing/api/v1/shares", password)[0] == 404


def test_nextcloudcmd_backs_up_a_folder_once(
    box: Box, nextcloudcmd: str, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "phone"
    (folder / "Camera").mkdir(parents=True)
    photos = sorted((corpus / "exif").rglob("*.jpg"))[:8]
    for photo in photos:
        shutil.copy2(photo, folder / "Camera" / photo.name)
    shutil.copy2(corpus / "video" / "VID_20211224_200500.mp4", folder / "Camera")
    sent = sorted((folder / "Camera").iterdir())
    password = box.add_phone("alice", "Pixel")

    first = sync(nextcloudcmd, box, password, folder)
    assert first.count("PUT of") == len(sent), first[-3000:]
    queue = box.settled()
    assert queue["failed"] == 0 and queue["done"] == len(sent)
    assert len(box.catalogued()) == len({p.read_bytes() for p in sent})

    second = sync(nextcloudcmd, box, password, folder)
    assert second.count("PUT of") == 0, second[-3000:]
    assert sorted(p.name for p in (folder / "Camera").iterdir()) == [p.name for p in sent]
    assert "Server does not support X-OC-MTime" not in first


def make_video(path: Path, seconds: int = 4) -> None:
    """A real MPEG-4 video of noise, some 6 MB a second (larger than the client's first
    10 MB part at 4 s)."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x360:rate=25",
            "-t",
            str(seconds),
            "-vf",
            "noise=alls=80:allf=t+u",
            "-c:v",
            "mpeg4",
            "-q:v",
            "2",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=300,
    )


def test_nextcloudcmd_sends_a_long_video_in_parts(
    box: Box, nextcloudcmd: str, tmp_path: Path
) -> None:
    folder = tmp_path / "phone"
    folder.mkdir()
    make_video(folder / "VID_long.mp4")
    assert (folder / "VID_long.mp4").stat().st_size > 10_000_000
    password = box.add_phone("alice", "Pixel")
    first = sync(nextcloudcmd, box, password, folder)
    assert "MKCOL" in first and "/.file" in first, first[-3000:]  # chunked
    queue = box.settled()
    assert queue["failed"] == 0 and queue["done"] == 1
    [photo] = box.catalogued()
    sent = hashlib.sha256((folder / "VID_long.mp4").read_bytes()).hexdigest()
    assert photo["kind"] == "video" and photo["files"][0]["sha256"] == sent
    assert sync(nextcloudcmd, box, password, folder).count("PUT of") == 0
    assert not list((box.library / "uploads" / ".chunks").rglob("*.part"))


def test_a_chunked_upload_resumes_after_a_dropped_connection(box: Box, tmp_path: Path) -> None:
    """What a client does when Wi-Fi drops: list the transfer, send the missing parts."""
    make_video(tmp_path / "v.mp4", seconds=1)
    data = (tmp_path / "v.mp4").read_bytes()
    half = len(data) // 2
    password = box.add_phone("alice", "Pixel")
    transfer = "/remote.php/dav/uploads/alice/web-1234"
    assert box.request("PROPFIND", "/remote.php/dav/files/alice/", "alice", password)[0] == 207
    assert box.request("MKCOL", transfer, "alice", password)[0] == 201
    assert box.request("PUT", f"{transfer}/00001", "alice", password, data[:half])[0] == 201
    # the connection drops while part 2 is sent: nothing of it is kept
    token = base64.b64encode(f"alice:{password}".encode()).decode()
    import socket

    with socket.create_connection(("127.0.0.1", box.service.port)) as sock:
        sock.sendall(
            f"PUT {transfer}/00002 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n"
            f"Content-Length: {len(data) - half}\r\n\r\n".encode()
            + data[half : half + 1000]
        )
    status, listing = box.request("PROPFIND", transfer, "alice", password, Depth="1")
    assert status == 207 and b"00001" in listing and b"00002" not in listing
    assert f"<ns0:getcontentlength>{half}<".encode() in listing
    assert box.request("PUT", f"{transfer}/00002", "alice", password, data[half:])[0] == 201
    camera = "/remote.php/dav/files/alice/Camera"
    assert box.request("MKCOL", camera, "alice", password)[0] == 201  # as WebDAV wants
    status, _ = box.request(
        "MOVE",
        f"{transfer}/.file",
        "alice",
        password,
        Destination=f"{box.url}/remote.php/dav/files/alice/Camera/v.mp4",
        **{"OC-Total-Length": str(len(data)), "X-OC-Mtime": "1700000000"},
    )
    assert status in (201, 204)
    box.settled()
    [video] = box.catalogued()
    assert video["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    status, listed = box.request(
        "PROPFIND", "/remote.php/dav/files/alice/Camera/v.mp4", "alice", password, Depth="0"
    )
    assert status == 207 and b"Tue, 14 Nov 2023 22:13:20 GMT" in listed
    assert box.request("PROPFIND", transfer, "alice", password)[0] == 404  # joined, gone
