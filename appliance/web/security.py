"""Sessions, CSRF, roles and login rate limiting for the web UI.

Default deny: every endpoint needs a signed-in user unless its view is marked
:func:`public`. State-changing methods need the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, abort, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from appliance.catalog.models import User
from appliance.catalog.sessions import session_user, start_session
from appliance.catalog.users import admin_exists

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECRET_FILE = "secret_key"


def public(view: F) -> F:
    """Mark a view as reachable without a session (setup, login, share links)."""
    view.shoebox_public = True  # type: ignore[attr-defined]
    return view


def admin_required(view: F) -> F:
    """Users and settings: admins only (the permission table's ``users.manage``)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from appliance.web.permissions import require

        require(g.get("user"), "users.manage")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def load_secret_key(configured: str, root: Path) -> str:
    """The configured key, else one generated once and kept in ``root/secret_key`` (0600)."""
    if configured:
        return configured
    path = root / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise RuntimeError(
                f"{path} holds no usable secret key; delete it to make a new one"
            ) from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is marked Secure whenever the request is TLS.

    The cookie is sent again when the session changes, and otherwise at most every
    :data:`COOKIE_REFRESH` seconds to push its expiry on (the server-side session row is
    the truth: `catalog.sessions`). Flask's default re-signs it on every answer, so its value
    changed every second, and answers that vary by cookie (thumbnails, the app's own
    files) were never reused from the browser's cache."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        return time.time() - float(session.get(_ISSUED, 0)) >= COOKIE_REFRESH

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if session and self.should_set_cookie(app, session):
            session[_ISSUED] = int(time.time())
        super().save_session(app, session, response)


COOKIE_REFRESH = 3600  # seconds between re-sending an unchanged session's cookie
_ISSUED = "issued"  # when the cookie was last sent (unix seconds)


class LoginLimiter:
    """At most ``attempts`` failed logins per client in ``window`` seconds.

    :meth:`attempt` checks the limit and counts the try in one step (under one lock), so
    parallel tries cannot all pass the check before any of them is counted; a try that
    turns out right is forgiven by :meth:`succeeded`."""

    def __init__(self, attempts: int = 5, window: float = 300.0, max_clients: int = 10000):
        self.attempts, self.window, self.max_clients = attempts, window, max_clients
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def attempt(self, client: str) -> int:
        """Count a try of this client and return 0, or, over the limit, the seconds until
        it may try again (and count nothing)."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < self.window]
            if len(recent) >= self.attempts:
                self._failures[client] = recent
                return max(1, int(self.window - (now - recent[0])) + 1)
            if client not in self._failures and len(self._failures) >= self.max_clients:
                stale = [c for c, ts in self._failures.items() if not ts or now - ts[-1] > 60]
                for c in stale or list(self._failures)[: self.max_clients // 2]:
                    self._failures.pop(c, None)
            self._failures[client] = recent + [now]
            return 0

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def sign_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session["sid"] = start_session(user.id)
    session["csrf"] = secrets.token_urlsafe(32)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/media/")


def _deny(status: int, message: str) -> Any:
    if _wants_json():
        response = jsonify(error=message)
        response.status_code = status
        return response
    abort(status, message)


def _load_user() -> User | None:
    """The user of the cookie's server-side session; a cookie whose session ended (sign
    out, sign out everywhere, password or role change) is cleared."""
    sid = session.get("sid")
    if sid is None:
        if session.get("uid") is not None:  # a cookie from before server-side sessions
            session.clear()
        return None
    user = session_user(sid)
    if user is None:
        session.clear()
    return user


def current_session() -> str | None:
    """The token of this request's session (to keep it when others end)."""
    sid = session.get("sid")
    return sid if isinstance(sid, str) else None


def before_request() -> Any:
    """Check CSRF on writes, then require a session for everything not public."""
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(str(sent), str(expected)):
            return _deny(400, "missing or wrong CSRF token: reload the page and try again")
    g.user = _load_user()
    view = _view_function()
    if view is not None and getattr(view, "shoebox_public", False):
        return None
    if g.user is not None:
        return None
    if request.endpoint is None:
        return None  # let Flask answer 404/405 without revealing anything
    if not _wants_json() and request.method in SAFE_METHODS:
        if not admin_exists():
            return redirect(url_for("auth.setup"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return _deny(401, "sign in first")


def _view_function() -> Callable[..., Any] | None:
    from flask import current_app

    if request.endpoint is None:
        return None
    if request.endpoint == "static":
        return public(lambda: None)
    return current_app.view_functions.get(request.endpoint)
