"""HTTPS as the appliance serves it (issue 21): the box's own certificates (`shoebox
certificate`), the real nginx with the appliance's own site file in front of the real
service, and rclone (vendor nextcloud: chunked uploads, whose MOVE names an https://
destination) backing up with the box's authority pinned as its only trusted one."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from phone_box import REPO, Box
from test_nextcloud_client import make_video, sync
from test_phone_backup import copied

SITE = REPO / "image-build/files/nginx-shoebox.conf"
NGINX = "/usr/sbin/nginx"
STRANGERS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proxy:
    """nginx with the appliance's site file, moved to free ports and a private folder."""

    def __init__(self, root: Path, certificates: Path, upstream_port: int) -> None:
        self.port = free_port()
        root.mkdir()
        site = SITE.read_text()
        for old, new in (
            ("listen 443 ssl;", f"listen 127.0.0.1:{self.port} ssl;"),
            ("listen [::]:443 ssl;", ""),
            ("/etc/shoebox/tls/", f"{certificates}/"),
            ("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};"),
        ):
            assert old in site, f"the site file no longer has {old!r}"
            site = site.replace(old, new)
        (root / "site.conf").write_text(site)
        temp = "\n".join(f"  {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy"))
        (root / "nginx.conf").write_text(
            f"daemon off;\npid {root}/nginx.pid;\nerror_log stderr;\n"
            "events { worker_connections 64; }\n"
            "http {\n  access_log off;\n"
            f"{temp}\n  fastcgi_temp_path {root}/f;\n  uwsgi_temp_path {root}/u;\n"
            f"  scgi_temp_path {root}/s;\n  include {root}/site.conf;\n}}\n"
        )
        self.log = (root / "nginx.log").open("wb")
        self.process = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            assert self.process.poll() is None, (root / "nginx.log").read_text()
            time.sleep(0.1)
        raise AssertionError("nginx did not start")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def https(box: Box, tmp_path: Path) -> Iterator[tuple[Proxy, Path]]:
    assert os.access(NGINX, os.X_OK), "nginx is missing: scripts/bootstrap.sh test installs it"
    certificates = tmp_path / "tls"
    made = box.shoebox("certificate", "--dir", str(certificates))
    assert made.returncode == 0, made.stderr
    assert "authority fingerprint (SHA-256):" in made.stdout
    proxy = Proxy(tmp_path / "nginx", certificates, box.service.port)
    try:
        yield proxy, certificates
    finally:
        proxy.stop()


def _pinned(certificates: Path, port: int) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)


def test_a_phone_backs_up_over_https_with_the_box_certificate_pinned(
    box: Box, https: tuple[Proxy, Path], rclone: str, corpus: Path, tmp_path: Path
) -> None:
    proxy, certificates = https
    camera = tmp_path / "phone" / "DCIM"
    camera.mkdir(parents=True)
    files = sorted((corpus / "exif").rglob("*.jpg"))[:6]
    files.append(corpus / "video" / "bigbuckbunny.mp4")
    for source in files:
        shutil.copy2(source, camera / source.name)
    password = box.add_phone("alice", "Pixel over HTTPS")
    pinned = ("--ca-cert", str(certificates / "ca.pem"))

    refused = box.rclone(
        rclone, password, "lsd", "phone:", vendor="nextcloud", url=proxy.url, check=False
    )
    assert "x509" in refused and "certificate" in refused  # not trusted without the pin
    assert copied(refused) == 0

    def backup() -> str:
        return box.rclone(
            rclone, password, "copy", str(camera), "phone:DCIM", *pinned,
            vendor="nextcloud", url=proxy.url,
        )  # fmt: skip

    assert copied(backup()) == len(files)
    queue = box.settled()
    assert queue["failed"] == 0 and queue["done"] == len(files)
    assert copied(backup()) == 0  # the app sees its files as present
    assert len(box.catalogued()) == len({f.read_bytes() for f in files})  # each once
    phones = box.shoebox("device", "list", "alice").stdout
    assert f"{len(files)} files" in phones


def test_nextcloud_sends_a_long_video_in_parts_over_https(
    box: Box, https: tuple[Proxy, Path], nextcloudcmd: str, tmp_path: Path
) -> None:
    """Chunked upload ends with a MOVE whose Destination is an https:// address: the
    service must see the scheme the client used (X-Forwarded-Proto from the proxy)."""
    proxy, _ = https
    folder = tmp_path / "phone"
    folder.mkdir()
    make_video(folder / "VID_long.mp4")
    password = box.add_phone("alice", "Nextcloud app")
    first = sync(nextcloudcmd, box, password, folder, proxy.url, "--trust")
    assert "MKCOL" in first and "/.file" in first, first[-3000:]  # chunked
    queue = box.settled()
    assert queue["failed"] == 0 and queue["done"] == 1
    [video] = box.catalogued()
    assert video["files"][0]["sha256"] == sha256(folder / "VID_long.mp4")
    assert sync(nextcloudcmd, box, password, folder, proxy.url, "--trust").count("PUT of") == 0


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_behind_the_proxy_the_service_answers_with_https_addresses(
    box: Box, https: tuple[Proxy, Path]
) -> None:
    proxy, certificates = https
    conn = _pinned(certificates, proxy.port)
    conn.request("POST", "/index.php/login/v2", headers={"User-Agent": "Nextcloud-android"})
    reply = conn.getresponse()
    flow = json.loads(reply.read())
    assert reply.status == 200
    assert flow["login"].startswith(proxy.url + "/index.php/login/v2/flow/")
    assert flow["poll"]["endpoint"] == proxy.url + "/index.php/login/v2/poll"
    served = conn.sock.getpeercert()
    names = {value for kind, value in served["subjectAltName"]}
    assert {"shoebox.local", "localhost", "127.0.0.1"} <= names
    conn.close()

    # A stranger's large body is refused by the service's gate before it is read, through
    # the proxy (which streams bodies instead of buffering them): the app gets the 401 that
    # asks for a password, every time (a plain close lost it to a 502 under load).
    answers = []
    for _ in range(STRANGERS):
        conn = _pinned(certificates, proxy.port)
        conn.putrequest("PUT", "/remote.php/dav/files/alice/big.mov")
        conn.putheader("Content-Length", str(500 * 2**20))
        conn.putheader("Authorization", "Basic YWxpY2U6d3Jvbmc=")
        conn.endheaders()
        try:
            for _ in range(64):  # 4 MiB, as a phone would keep sending
                conn.send(b"\0" * 65536)
        except OSError:
            pass  # the proxy stopped taking the body: the answer is there
        reply = conn.getresponse()
        answers.append((reply.status, "Basic" in (reply.getheader("WWW-Authenticate") or "")))
        conn.close()
    assert answers == [(401, True)] * STRANGERS, answers
