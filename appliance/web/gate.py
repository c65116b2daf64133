"""What the HTTP server refuses before it reads a request's body.

waitress reads a whole body (spooled to a temporary file past 512 KB) before the app sees
the request, so the app's own checks come too late for a stranger's 300 MB POST. The gate
runs in waitress's parser as soon as the headers are in, and answers JSON, like the API:

- a body for an upload route (``/api/v1/uploads``) needs a signed session cookie (401)
  and may not be larger than ``upload_max_mb`` (413);
- a body larger than ``SMALL_BODY`` for phone backup (``/remote.php/``, WebDAV) needs
  HTTP Basic credentials with an app password the app verified in the last minutes
  (`phones.devices.recently_verified`; sync apps list the folder before they send), 401
  with a Basic challenge, and may not be larger than ``upload_max_mb`` (413);
- any other body may not be larger than ``SMALL_BODY`` (413): forms and JSON are small.

The connection is closed after the answer, so the refused body is never stored. It is
closed the way web servers close on a client still sending (a "lingering close"): the
answer goes out, the sending side is shut, and what still arrives is read and dropped for
at most ``LINGER_SECONDS`` or ``LINGER_BYTES`` before the socket closes. Closed at once,
the kernel would reset the connection over the unread body and the client, or nginx in
front (HTTPS), could lose the answer (nginx then says 502 instead of our 401).
The app still checks the session itself (a signed cookie of an ended session passes the
gate, never the app).
"""

from __future__ import annotations

import base64
import binascii
import json
import socket
import time
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.utilities import Error, RequestEntityTooLarge

MIB = 2**20
SMALL_BODY = 8 * MIB  # JSON and form bodies; browser uploads have their own limit
UPLOAD_PREFIXES = ("/api/v1/uploads",)
PHONE_PREFIX = "/remote.php/"
SLACK = MIB  # an upload body may carry a little more than the file (names, framing)
LINGER_SECONDS = 2.0  # after a refusal: how long what still arrives is read and dropped
LINGER_BYTES = 16 * MIB  # ... and how much of it at most


class Refusal(Error):
    """A waitress error answered as the API's JSON errors are: ``{"error": message}``."""

    def __init__(
        self, code: int, reason: str, message: str, extra: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.extra = code, reason, extra or []

    def to_response(self, ident: str | None = None) -> tuple[str, list, bytes]:
        body = json.dumps({"error": self.body}).encode()
        headers = [
            ("Content-Length", str(len(body))),
            ("Content-Type", "application/json"),
            ("Connection", "close"),
            *self.extra,
        ]
        return f"{self.code} {self.reason}", headers, body


class Gate:
    """The decision: ``check(method, path, headers, length)`` -> a Refusal or None."""

    def __init__(
        self,
        upload_max_mb: int,
        session_valid: Callable[[str], bool],
        app_password_verified: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self.upload_limit = upload_max_mb * MIB + SLACK
        self.session_valid = session_valid
        self.app_password_verified = app_password_verified

    @property
    def max_body(self) -> int:
        """waitress's own cap (chunked bodies have no length to check up front)."""
        return max(self.upload_limit, SMALL_BODY) + 1

    def check(
        self, method: str, path: str, headers: dict[str, str], length: int, chunked: bool
    ) -> Refusal | None:
        if length <= 0 and not chunked:
            return None
        if path.startswith(UPLOAD_PREFIXES):
            if not self._signed_in(headers.get("COOKIE", "")):
                return Refusal(401, "Unauthorized", "sign in first")
            return self._within_upload_limit(length)
        if path.startswith(PHONE_PREFIX) and (length > SMALL_BODY or chunked):
            if not self._phone_signed_in(headers.get("AUTHORIZATION", "")):
                return Refusal(
                    401,
                    "Unauthorized",
                    "sign in with your phone's app password (list the folder first)",
                    [("WWW-Authenticate", 'Basic realm="Shoebox"')],
                )
            return self._within_upload_limit(length)
        if length > SMALL_BODY:
            return Refusal(
                413, "Payload Too Large", f"a request body is at most {SMALL_BODY // MIB} MiB here"
            )
        return None

    def _within_upload_limit(self, length: int) -> Refusal | None:
        if length > self.upload_limit:
            limit = (self.upload_limit - SLACK) // MIB
            return Refusal(413, "Payload Too Large", f"larger than the upload limit of {limit} MiB")
        return None

    def _phone_signed_in(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic" or len(encoded) > 1024:
            return False
        try:
            _user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return self.app_password_verified(password)

    def _signed_in(self, cookie_header: str) -> bool:
        try:
            cookies = SimpleCookie(cookie_header)
        except CookieError:
            return False
        return any(self.session_valid(morsel.value) for morsel in cookies.values())


def flask_session_check(app: Any) -> Callable[[str], bool]:
    """A cookie value is a session of ``app`` if its signature is good and it holds a
    session id (checked against the catalogue by the app itself, after the body)."""
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]

    def valid(value: str) -> bool:
        try:
            data = serializer.loads(
                value, max_age=int(app.permanent_session_lifetime.total_seconds())
            )
        except Exception:  # noqa: BLE001 - any bad signature, format or age: not a session
            return False
        return isinstance(data, dict) and bool(data.get("sid"))

    valid.cookie_name = name  # type: ignore[attr-defined]
    return valid


def gated_channel(gate: Gate) -> type[HTTPChannel]:
    """waitress's channel, with a parser that asks ``gate`` once the headers are in."""

    class GatedParser(HTTPRequestParser):
        _asked = False
        refused = False

        def received(self, data: bytes) -> int:
            consumed = super().received(data)
            if self.headers_finished and not self._asked:
                self._asked = True
                length = self.content_length or 0
                refusal = gate.check(self.command, self.path, self.headers, length, self.chunked)
                if refusal is not None:
                    self.refused = True
                    self.error = refusal  # also instead of waitress's plain-text 413
                    self.completed = True
                    self.expect_continue = False  # no "100 Continue": the body is not wanted
                    # The rest of this read is the refused body: taken, never kept. waitress
                    # reads no more from a channel with a request waiting (lookahead 0),
                    # and closes it after the answer.
                    return len(data)
            if isinstance(self.error, RequestEntityTooLarge):  # a chunked body ran over
                self.error = Refusal(413, "Payload Too Large", "the request body is too large")
            return consumed

    class GatedChannel(HTTPChannel):
        """Closes a refused request's connection lingering (see the module's text)."""

        parser_class = GatedParser
        lingering_until = 0.0  # while > 0: the answer is out, the rest is being dropped
        dropped = 0
        had_refusal = False

        def received(self, data: bytes) -> bool:
            if self.lingering_until:
                return self._drop(data)
            taken = super().received(data)
            if any(getattr(r, "refused", False) for r in self.requests) or (
                getattr(self.request, "refused", False)
            ):
                self.had_refusal = True
            return taken

        def handle_write(self) -> None:
            flushed = self.close_when_flushed and not self.total_outbufs_len
            if self.had_refusal and flushed and not self.lingering_until:
                self.close_when_flushed = False
                self.lingering_until = time.monotonic() + LINGER_SECONDS
                try:
                    self.socket.shutdown(socket.SHUT_WR)  # the answer is complete
                except OSError:
                    self.will_close = True
            super().handle_write()

        def readable(self) -> bool:
            if self.lingering_until and not self.will_close:
                if time.monotonic() < self.lingering_until:
                    return True
                self.will_close = True  # writable() now closes it
                return False
            return super().readable()

        def _drop(self, data: bytes) -> bool:
            self.dropped += len(data)
            if self.dropped >= LINGER_BYTES or time.monotonic() >= self.lingering_until:
                self.will_close = True
            return True

        def handle_read(self) -> None:
            if not self.lingering_until:
                super().handle_read()
                return
            try:
                data = self.recv(self.adj.recv_bytes)
            except OSError:
                data = b""
            if not data:
                self.will_close = True  # the client finished or went away
                return
            self._drop(data)

    return GatedChannel


def install(server: Any, gate: Gate) -> None:
    """Put the gate in front of a waitress server (one or several listening sockets)."""
    channel = gated_channel(gate)
    servers = [server]
    if not hasattr(server, "channel_class"):  # MultiSocketServer: one per address
        servers = [s for s in getattr(server, "map", {}).values() if hasattr(s, "channel_class")]
    for each in servers:
        each.channel_class = channel
        each.adj.max_request_body_size = gate.max_body
