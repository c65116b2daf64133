"""First-run setup, sign in and sign out."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from appliance.catalog.users import (
    SetupClosed,
    UserError,
    admin_exists,
    authenticate,
    create_first_admin,
)
from appliance.web.security import LoginLimiter, public, sign_in

bp = Blueprint("auth", __name__)


def _limiter() -> LoginLimiter:
    return current_app.extensions["shoebox_limiter"]


def _client() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("browse.timeline")


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
        wait = _limiter().retry_after(_client())
        if wait:
            error, status = f"too many attempts: try again in {wait} seconds", 429
        else:
            user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
            if user is not None:
                _limiter().succeeded(_client())
                sign_in(user)
                return redirect(_safe_next(request.args.get("next")))
            _limiter().failed(_client())
            error, status = "wrong user name or password", 401
    response = current_app.make_response(
        (render_template("login.html", error=error, title="Sign in"), status)
    )
    if status == 429:
        response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))
