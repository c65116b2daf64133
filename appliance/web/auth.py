"""First-run setup, sign in and sign out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from appliance.catalog.sessions import end_session, end_user_sessions
from appliance.catalog.users import (
    SetupClosed,
    UserError,
    admin_exists,
    authenticate,
    create_first_admin,
)
from appliance.web.security import LoginLimiter, current_session, public, sign_in

bp = Blueprint("auth", __name__)


def _limiter() -> LoginLimiter:
    return current_app.extensions["shoebox_limiter"]


def _client() -> str:
    return request.remote_addr or "unknown"


def is_same_origin_path(target: str | None) -> bool:
    """A path on this site: starts with one "/", no scheme or host, and no backslash,
    control character or whitespace that a browser would drop or turn into a "/"
    (``/%09/evil.example`` arrives as "/", tab, "/evil.example": ``//evil.example``)."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return False
    if any(ch == "\\" or ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F for ch in target):
        return False
    if target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _safe_next(target: str | None) -> str:
    """Only same-origin paths, so the login form cannot redirect elsewhere."""
    return target if is_same_origin_path(target) else url_for("browse.timeline")


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup() -> Any:
    if admin_exists():
        abort(403, "setup is already done: sign in instead")
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            error = "the two passwords differ"
        else:
            try:
                user = create_first_admin(username, password)
            except SetupClosed:
                abort(403, "setup is already done: sign in instead")
            except UserError as exc:
                error = str(exc)
            else:
                sign_in(user)
                return redirect(url_for("browse.timeline"))
    status = 400 if error else 200
    return render_template("setup.html", error=error, title="Welcome"), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if request.method == "GET" and not admin_exists():
        return redirect(url_for("auth.setup"))
    error, status = None, 200
    if request.method == "POST":
        wait = _limiter().attempt(_client())  # counted now: parallel tries cannot slip by
        if wait:
            error, status = f"too many attempts: try again in {wait} seconds", 429
        else:
            user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
            if user is not None:
                _limiter().succeeded(_client())
                sign_in(user)
                return redirect(_safe_next(request.args.get("next")))
            error, status = "wrong user name or password", 401
    response = current_app.make_response(
        (render_template("login.html", error=error, title="Sign in"), status)
    )
    if status == 429:
        response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
def logout() -> Any:
    """Sign out: the session ends on the server, so a copy of the cookie is worthless."""
    end_session(current_session())
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
def logout_everywhere() -> Any:
    """Sign this user out of every browser, this one included."""
    end_user_sessions(g.user.id)
    session.clear()
    return redirect(url_for("auth.login"))
