"""Nextcloud's own sync client, `nextcloudcmd` (Debian's nextcloud-desktop-cmd), backs up
to Shoebox as to a Nextcloud server: status.php, the OCS capabilities, WebDAV with the
ownCloud properties, modification times kept (issue 21)."""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from phone_box import Box


@pytest.fixture(scope="module")
def nextcloudcmd() -> str:
    found = shutil.which("nextcloudcmd")
    assert found, "nextcloudcmd is missing: scripts/bootstrap.sh test installs it"
    return found


def sync(nextcloudcmd: str, box: Box, password: str, folder: Path) -> str:
    result = subprocess.run(
        [nextcloudcmd, "--non-interactive", "-u", "alice", "-p", password, str(folder), box.url],
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
