"""Private: a member's photos that only they see, behind their password again.

What is private and who makes it so is `catalog.private`; this module is the web's side:

- :func:`guard` runs before every request: a route that names one photo, file (by
  checksum) or face of a private photo answers 404 unless the signed-in member owns it and
  has unlocked Private in this session. Listings never hold private photos at all.
- ``/private`` asks for the account password again (:func:`unlock`); Private stays open
  for ``UNLOCK_MINUTES`` in this session, until "Lock" or signing out.
- ``view=private`` of ``GET /api/v1/photos`` lists the open Private (`web.api`).
"""

from __future__ import annotations

from time import time as now
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from appliance.catalog.private import hidden_among, hidden_from, private_count
from appliance.catalog.users import authenticate
from appliance.web.browse import grid
from appliance.web.security import current_session

bp = Blueprint("private", __name__)
UNLOCK_MINUTES = 15
_ROUTE_KEYS = ("photo_id", "sha256", "face_id")


def seer_id() -> int | None:
    user = getattr(g, "user", None)
    return user.id if user is not None else None


def unlocked() -> bool:
    """Is this session's Private open (the password given again, lately, in this session)?"""
    until = session.get("private_until")
    sid = current_session()
    return (
        sid is not None
        and session.get("private_sid") == sid
        and isinstance(until, int | float)
        and until > now()
    )


def guard() -> None:
    """A before_request hook: 404 for a private photo, file or face that is not for the
    signed-in member (before any view reads it)."""
    args = request.view_args or {}
    if not any(key in args for key in _ROUTE_KEYS):
        return
    photo_id, face_id = args.get("photo_id"), args.get("face_id")
    sha256 = args.get("sha256")
    if hidden_from(
        seer_id(),
        unlocked(),
        photo_id=photo_id if isinstance(photo_id, int) else None,
        sha256=sha256 if isinstance(sha256, str) else None,
        face_id=face_id if isinstance(face_id, int) else None,
    ):
        abort(404, "no such photo")


def hidden_ids(photo_ids: list[int]) -> list[int]:
    """Which of these photo ids name a private photo that is not for the signed-in member."""
    return hidden_among(photo_ids, seer_id(), unlocked())


@bp.get("/private")
def page() -> Any:
    """The locked page (the password again), or the photos once Private is open."""
    if not unlocked():
        return render_template(
            "private_locked.html",
            title="Private",
            count=private_count(g.user.id),
            error=None,
            minutes=UNLOCK_MINUTES,
        )
    return grid("Private", view="private", private_page=True, minutes=UNLOCK_MINUTES)


@bp.post("/private/unlock")
def unlock() -> Any:
    """Open Private for ``UNLOCK_MINUTES`` with the account password (the login's limiter
    counts the tries, like a sign-in)."""
    from appliance.web.auth import _client, _limiter

    wait = _limiter().attempt(_client())
    error = f"too many attempts: try again in {wait} seconds" if wait else None
    if not error:
        if authenticate(g.user.username, request.form.get("password", "")) is not None:
            _limiter().succeeded(_client())
            session["private_sid"] = current_session()
            session["private_until"] = now() + UNLOCK_MINUTES * 60
            return redirect(url_for("private.page"))
        error = "wrong password"
    page = render_template(
        "private_locked.html",
        title="Private",
        count=private_count(g.user.id),
        error=error,
        minutes=UNLOCK_MINUTES,
    )
    return page, 429 if wait else 401


@bp.post("/private/lock")
def lock() -> Any:
    """Close Private now."""
    session.pop("private_until", None)
    session.pop("private_sid", None)
    return redirect(url_for("private.page"))
