"""Nextcloud's Login Flow v2: how the Nextcloud apps get an app password without the member
typing one.

1. The app ``POST /index.php/login/v2``; the answer holds a secret poll token and a
   login address.
2. The app opens the login address in the phone's browser; the member signs in to Shoebox
   and grants the phone (`web.login_flow`), which adds it as the Phones page would.
3. The app ``POST /index.php/login/v2/poll`` (``token=...``) every few seconds: 404 until
   granted, then once ``{"server", "loginName", "appPassword"}``; the flow is gone after.

Flows live in this process's memory only (the one web service): a new app password is never
written anywhere in clear, and a flow not finished in 20 minutes, or cut by a restart, is
started again by the app.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

START, POLL = "/index.php/login/v2", "/index.php/login/v2/poll"
PATHS = (START, POLL)
FLOW_PAGE = "/index.php/login/v2/flow/"
LIFETIME = 20 * 60.0  # seconds, as Nextcloud's
MAX_PENDING = 200  # a flood of starts cannot grow memory without bound


@dataclass
class Flow:
    poll_token: str
    login_token: str
    server: str  # the base address the app used
    client: str  # the app's User-Agent, to name the phone
    address: str  # where the app asked from, shown on the grant page
    started: float
    granted: tuple[str, str] | None = None  # (user name, app password)


class Flows:
    """The pending flows, by poll token and by login token."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._by_poll: dict[str, Flow] = {}
        self._by_login: dict[str, Flow] = {}

    def start(self, server: str, client: str, address: str) -> Flow:
        with self._lock:
            self._expire()
            if len(self._by_poll) >= MAX_PENDING:
                oldest = min(self._by_poll.values(), key=lambda f: f.started)
                self._forget(oldest)
            flow = Flow(
                secrets.token_urlsafe(48),
                secrets.token_urlsafe(32),
                server,
                client[:200],
                address,
                self.clock(),
            )
            self._by_poll[flow.poll_token] = flow
            self._by_login[flow.login_token] = flow
            return flow

    def waiting(self, login_token: str) -> Flow | None:
        """The flow a login address names, while it waits for the member."""
        with self._lock:
            self._expire()
            flow = self._by_login.get(login_token)
            return flow if flow is not None and flow.granted is None else None

    def grant(self, login_token: str, username: str, app_password: str) -> bool:
        with self._lock:
            self._expire()
            flow = self._by_login.get(login_token)
            if flow is None or flow.granted is not None:
                return False
            flow.granted = (username, app_password)
            return True

    def collect(self, poll_token: str) -> Flow | None:
        """The granted flow (then forgotten: the password is handed out once), else None."""
        with self._lock:
            self._expire()
            flow = self._by_poll.get(poll_token)
            if flow is None or flow.granted is None:
                return None
            self._forget(flow)
            return flow

    def _expire(self) -> None:
        too_old = self.clock() - LIFETIME
        for flow in [f for f in self._by_poll.values() if f.started < too_old]:
            self._forget(flow)

    def _forget(self, flow: Flow) -> None:
        self._by_poll.pop(flow.poll_token, None)
        self._by_login.pop(flow.login_token, None)


FLOWS = Flows()


def suggested_name(client: str) -> str:
    """A phone's name from the app's User-Agent (the member may change it)."""
    lowered = client.lower()
    if "android" in lowered:
        return "Android phone"
    if "ios" in lowered or "iphone" in lowered or "ipad" in lowered:
        return "iPhone"
    if "nextcloud" in lowered or "mirall" in lowered:
        return "Nextcloud app"
    return "Phone"


def base_url(environ: dict) -> str:
    """scheme://host the request was sent to (behind the HTTPS proxy: its scheme)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{scheme}://{host}"


def _json(start_response: Callable, status: str, data: object) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def _form_token(environ: dict) -> str:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if not 0 < length <= 4096:
        return ""
    raw = environ["wsgi.input"].read(length).decode("utf-8", "replace")
    if raw.lstrip().startswith("{"):
        try:
            token = json.loads(raw).get("token", "")
        except (ValueError, AttributeError):
            return ""
        return token if isinstance(token, str) else ""
    return parse_qs(raw).get("token", [""])[0]


def app(flows: Flows = FLOWS) -> Callable:
    """The WSGI app for ``PATHS`` (no session, no CSRF: the app has neither)."""

    def serve(environ: dict, start_response: Callable) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
        if environ.get("PATH_INFO") == START:
            server = base_url(environ)
            flow = flows.start(
                server, environ.get("HTTP_USER_AGENT", ""), environ.get("REMOTE_ADDR", "")
            )
            return _json(
                start_response,
                "200 OK",
                {
                    "poll": {"token": flow.poll_token, "endpoint": server + POLL},
                    "login": server + FLOW_PAGE + flow.login_token,
                },
            )
        flow = flows.collect(_form_token(environ))
        if flow is None or flow.granted is None:
            return _json(start_response, "404 Not Found", [])
        username, password = flow.granted
        return _json(
            start_response,
            "200 OK",
            {"server": flow.server, "loginName": username, "appPassword": password},
        )

    return serve
