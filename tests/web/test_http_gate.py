"""Issue 28 item 5: the HTTP layer refuses what it must before it reads the body, through
the real waitress server on a real socket. A refused body is measured by how much of it
the client could send before the server hung up: never the whole body, never stored."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_fixtures import PASSWORD

from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.daemon import WebServer
from appliance.web import create_app

MIB = 2**20
HUGE = 300 * MIB


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    root = tmp_path / "library"
    settings = Settings(
        library=root, port=0, upload_max_mb=2, setup_file=tmp_path / "none.toml", workers=1
    )
    app = create_app(settings)
    create_user("alice", PASSWORD, "admin")
    server = WebServer(settings, app)
    server.start()
    try:
        yield server.server.effective_port, root
    finally:
        server.stop()


def _sign_in(port: int, username: str = "alice") -> tuple[str, str]:
    """(cookie header, CSRF token) of a signed-in session, as a browser gets them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    reply = conn.getresponse()
    page = reply.read().decode()
    cookie = reply.getheader("Set-Cookie", "").split(";")[0]
    csrf = re.search(r'csrf-token" content="([^"]+)"', page).group(1)
    form = f"username={username}&password={PASSWORD.replace(' ', '+')}&csrf_token={csrf}"
    conn.request(
        "POST",
        "/login",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    reply = conn.getresponse()
    reply.read()
    assert reply.status == 302, reply.status
    cookie = reply.getheader("Set-Cookie", "").split(";")[0]
    conn.request("GET", "/settings", headers={"Cookie": cookie})
    page = conn.getresponse().read().decode()
    return cookie, re.search(r'csrf-token" content="([^"]+)"', page).group(1)


def _send(port: int, head: str, body_size: int) -> tuple[int, dict, int]:
    """Send ``head`` and then up to ``body_size`` bytes of body until the server answers or
    hangs up; return (status, JSON answer, body bytes the server let through)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head.encode())
    chunk, sent = bytes(64 * 1024), 0
    sock.setblocking(False)
    answer = b""
    try:
        while sent < body_size:
            with contextlib.suppress(BlockingIOError):
                sent += sock.send(chunk[: body_size - sent])
            try:
                got = sock.recv(65536)
                if got:
                    answer += got
                    if b"\r\n\r\n" in answer:
                        break
                else:
                    break
            except BlockingIOError:
                continue
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.setblocking(True)
    sock.settimeout(30)
    try:
        while True:
            got = sock.recv(65536)
            if not got:
                break
            answer += got
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    head_part, _, body = answer.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ")[1]) if head_part else 0
    return status, json.loads(body) if body else {}, sent


def _spooled(root: Path) -> int:
    """Bytes in the library's upload folders (where an accepted upload lands)."""
    return sum(p.stat().st_size for p in (root / "uploads").rglob("*") if p.is_file())


def test_a_strangers_huge_upload_is_refused_before_its_body(served: tuple[int, Path]) -> None:
    port, root = served
    head = (
        "POST /api/v1/uploads?name=big.jpg HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {HUGE}\r\n\r\n"
    )
    status, answer, sent = _send(port, head, HUGE)
    assert status == 401 and answer == {"error": "sign in first"}
    assert sent < 32 * MIB, f"{sent // MIB} MiB of the refused body went through"
    assert _spooled(root) == 0


def test_a_chunked_strangers_upload_is_refused_too(served: tuple[int, Path]) -> None:
    port, _ = served
    head = (
        "POST /api/v1/uploads?name=big.jpg HTTP/1.1\r\nHost: x\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    status, answer, _ = _send(port, head, 4 * MIB)
    assert status == 401 and answer == {"error": "sign in first"}


def test_a_forged_cookie_is_no_session(served: tuple[int, Path]) -> None:
    port, _ = served
    head = (
        "POST /api/v1/uploads?name=big.jpg HTTP/1.1\r\nHost: x\r\n"
        "Cookie: shoebox_session=eyJzaWQiOiJ4In0.forged.signature\r\n"
        f"Content-Length: {HUGE}\r\n\r\n"
    )
    status, answer, sent = _send(port, head, HUGE)
    assert status == 401 and sent < 32 * MIB


def test_upload_max_mb_is_answered_in_json_before_the_body(served: tuple[int, Path]) -> None:
    """Signed in, over ``upload_max_mb`` (2 MiB here): JSON 413 at once; under it, added."""
    port, root = served
    cookie, csrf = _sign_in(port)
    head = (
        "POST /api/v1/uploads?name=big.jpg HTTP/1.1\r\nHost: x\r\n"
        f"Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Length: {HUGE}\r\n\r\n"
    )
    status, answer, sent = _send(port, head, HUGE)
    assert status == 413 and "upload limit of 2 MiB" in answer["error"]
    assert sent < 32 * MIB and _spooled(root) == 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/uploads?name=small.jpg",
        body=b"\xff\xd8" + bytes(100_000),
        headers={"Cookie": cookie, "X-CSRF-Token": csrf},
    )
    reply = conn.getresponse()
    assert reply.status == 201, reply.read()


def test_other_routes_take_small_bodies_only(served: tuple[int, Path]) -> None:
    port, _ = served
    cookie, csrf = _sign_in(port)
    head = (
        "POST /api/v1/albums HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Length: {64 * MIB}\r\n\r\n"
    )
    status, answer, sent = _send(port, head, 64 * MIB)
    assert status == 413 and "at most 8 MiB" in answer["error"]
    assert sent < 32 * MIB
