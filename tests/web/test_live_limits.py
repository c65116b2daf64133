"""Issue 28 item 4: open pages never starve the family. Through the real waitress server:
fifty open live streams (a hostile device, or a house full of tabs) hold at most a few of
its request threads, and every other request is answered meanwhile."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_http_gate import _sign_in
from web_fixtures import PASSWORD

from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.daemon import WEB_THREADS, WebServer
from appliance.web import create_app, live


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(live, "STREAM_SECONDS", 300.0)  # streams stay open for the test
    settings = Settings(library=tmp_path / "library", port=0, setup_file=tmp_path / "x.toml")
    app = create_app(settings)
    create_user("alice", PASSWORD, "admin")
    for name in ("bob", "carol"):
        create_user(name, PASSWORD, "member")
    server = WebServer(settings, app)
    server.start()
    try:
        yield server.server.effective_port
    finally:
        server.stop()


def _open_stream(port: int, cookie: str) -> tuple[socket.socket, int, bytes]:
    """An EventSource's request; returns the socket (left open), the status and the head."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        f"GET /api/v1/live HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
        f"Cookie: {cookie}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    return sock, int(head.split(b" ")[1]), head


def _photos(port: int, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", "/api/v1/photos", headers={"Cookie": cookie})
    reply = conn.getresponse()
    reply.read()
    return reply.status


def test_fifty_open_streams_leave_the_pages_their_threads(served: int) -> None:
    port = served
    alice = _sign_in(port, "alice")[0]
    streams = [_open_stream(port, alice) for _ in range(50)]
    statuses = [status for _, status, _ in streams]
    assert statuses.count(200) == live.STREAMS_PER_USER
    assert statuses.count(429) == 50 - live.STREAMS_PER_USER
    refused = next(head for _, status, head in streams if status == 429)
    assert b"application/json" in refused and b"Retry-After: 30" in refused
    # Every other request is answered while they are open (on main: all 12 threads held,
    # a page waited for a stream to end; here the socket timeout of 20 s would fail it).
    assert all(_photos(port, alice) == 200 for _ in range(20))
    # Other members: the streams in all are bounded too, well under the server's threads.
    bob, carol = _sign_in(port, "bob")[0], _sign_in(port, "carol")[0]
    more = [_open_stream(port, bob) for _ in range(2)] + [_open_stream(port, carol)]
    assert [status for _, status, _ in more] == [200, 200, 429]
    assert live.STREAMS_IN_ALL <= WEB_THREADS // 2
    assert _photos(port, carol) == 200
    for sock, _, _ in streams + more:
        sock.close()
    # Closed by their clients, the streams give their slots back (noticed at the next
    # idle line the server writes).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sock, status, _ = _open_stream(port, carol)
        sock.close()
        if status == 200:
            break
        time.sleep(0.5)
    assert status == 200, "the closed streams never gave their slots back"


def test_the_web_ui_polls_json(served: int) -> None:
    """What the timeline's script asks for: the snapshot as JSON, no stream held."""
    port = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request(
        "GET", "/api/v1/live", headers={"Cookie": _sign_in(port)[0], "Accept": "application/json"}
    )
    reply = conn.getresponse()
    assert reply.status == 200 and {"count", "queue", "importing"} <= set(json.loads(reply.read()))
    script = (Path(live.__file__).parent / "static/timeline.js").read_text()
    assert "EventSource" not in script and 'fetch("/api/v1/live"' in script
