"""The LAN web UI: :func:`create_app` builds the Flask application (served by waitress)."""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from types import SimpleNamespace
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import IntegerConverter

from appliance.catalog.db import connect
from appliance.catalog.health import check_catalog
from appliance.catalog.users import UserError, consume_seed_file
from appliance.config import Settings
from appliance.errors import ShoeboxError
from appliance.library import Library
from appliance.web import security
from appliance.web.lost import lost_app

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


class CatalogId(IntegerConverter):
    """``<int:...>`` in every route: ids SQLite can hold; a larger number is a 404, never
    an integer overflow in the database driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def _library_disk_guard(settings: Settings):  # noqa: ANN202 - a Flask hook
    """A before_request hook: the waiting page while the library disk is gone, or once it
    was plugged in again (this app's catalogue connections belong to the mount it was
    created on; the service starts a new app on the new mount)."""
    from flask import Response

    from appliance.library_disk import WAITING_PAGE, library_state, same_mount

    served = library_state(settings)

    def guard() -> Response | None:
        state = same_mount(settings, served)
        if state.available:
            return None
        page = WAITING_PAGE.format(reason=escape(state.reason))
        return Response(page, status=503, headers={"Retry-After": "10"}, mimetype="text/html")

    return guard


def create_app(settings: Settings, library: Library | None = None) -> Flask:
    """Build the web app for one library (opens its catalog; consumes a setup seed file)."""
    from appliance.web import (
        albums,
        api,
        app_shell,
        auth,
        browse,
        camera_share,
        faces,
        folders,
        labels,
        live,
        login_flow,
        media,
        moments,
        moving_in,
        people,
        people_api,
        phones,
        places,
        places_api,
        private,
        search,
        settings_page,
        share,
        static_assets,
        status,
        trash,
        uploads,
    )

    library = (library or Library(settings.library_root, settings.catalog_url)).ensure()
    health = check_catalog(library)
    if not health.ok:
        log.error("%s", health.message)
        return lost_app(health)
    connect(library.catalog_url)
    try:
        consume_seed_file(getattr(settings, "setup_file", None))
    except UserError as exc:
        log.error("%s", exc)

    app = Flask(__name__)
    app.url_map.converters["int"] = CatalogId
    app.config.update(
        SECRET_KEY=security.load_secret_key(settings.secret_key, library.root),
        SESSION_COOKIE_NAME="shoebox_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(days=30),
        MAX_CONTENT_LENGTH=1024 * 1024,
        SHOEBOX_LIBRARY=library,
        SHOEBOX_SETTINGS=settings,
    )
    app.session_interface = security.SessionInterface()
    app.extensions["shoebox_limiter"] = security.LoginLimiter()
    if settings.library_disk:  # first: nothing may open the catalog in an empty mount point
        app.before_request(_library_disk_guard(settings))
    app.before_request(security.before_request)
    app.before_request(private.guard)  # after the user is known
    app.after_request(_headers)
    static_assets.install(app)  # the app's files at versioned URLs, kept by the browser
    app.context_processor(_template_globals)
    app.register_error_handler(HTTPException, _error)
    app.register_error_handler(ShoeboxError, _typed_error)
    for module in (auth, browse, search, people, labels, albums, share, status, settings_page):
        app.register_blueprint(module.bp)
    app.register_blueprint(places.bp)
    app.register_blueprint(places_api.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(trash.bp)
    app.register_blueprint(moments.bp)
    app.register_blueprint(faces.bp)
    app.register_blueprint(people_api.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(camera_share.bp)
    app.register_blueprint(phones.bp)
    app.register_blueprint(login_flow.bp)
    app.register_blueprint(moving_in.bp)
    app.register_blueprint(app_shell.bp)
    app.register_blueprint(private.bp)
    app.register_blueprint(folders.bp)
    _mount_phone_backup(app, settings, library)
    return app


def _mount_phone_backup(app: Flask, settings: Settings, library: Library) -> None:
    """WebDAV for phones' backup apps at /remote.php/ (`appliance.phones`)."""
    from appliance.phones.webdav import mount

    available = None
    if settings.library_disk:
        from appliance.library_disk import library_state, same_mount

        served = library_state(settings)

        def available() -> bool:
            return same_mount(settings, served).available

    mount(app, library, int(settings.upload_max_mb) * 1024 * 1024, available)


def _as_object(obj: Any) -> Any:
    """A photo's detail dict (the viewer's ``p``) as the object `permissions.can` reads."""
    return SimpleNamespace(**obj) if isinstance(obj, dict) else obj


def _template_globals() -> dict[str, Any]:
    from flask import current_app

    from appliance.web.describe import day_text, photo_alt
    from appliance.web.media import thumb_url
    from appliance.web.permissions import can

    user = g.get("user")
    return {
        "csrf_token": security.csrf_token,
        "user": user,
        "is_admin": bool(user and user.role == "admin"),
        "can": lambda action, obj=None: can(user, action, _as_object(obj)),
        "upload_max_mb": current_app.config["SHOEBOX_SETTINGS"].upload_max_mb,
        "photo_alt": photo_alt,
        "day_text": day_text,
        "thumb_url": thumb_url,
    }


def _headers(response: Any) -> Any:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if response.mimetype in ("text/html", "application/json") and not response.cache_control:
        response.cache_control.no_store = True
    return response


# What an error page says to a family, by status (the code itself stays small below it).
FRIENDLY_TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not for this account",
    404: "Nothing here",
    405: "That did not work",
    413: "Too large",
    429: "Too many tries",
    503: "Not available right now",
}
HINTS = {
    403: "An admin of this Shoebox can do this, or give you what you need.",
    404: "It may have been moved to the trash or removed.",
}


def _error(exc: HTTPException) -> Any:
    status = exc.code or 500
    message = exc.description or exc.name
    if request.path.startswith(("/api/", "/media/")):
        response = jsonify(error=message)
        response.status_code = status
        return response
    title = FRIENDLY_TITLES.get(status, "Something went wrong")
    page = render_template(
        "error.html", status=status, title=title, message=message, hint=HINTS.get(status, "")
    )
    return page, status


def _typed_error(exc: ShoeboxError) -> Any:
    """The one place a typed error (``appliance.errors``: NotFound, BadRequest, Forbidden,
    Conflict, ...) becomes a response: its own status, its message; JSON under /api/ and
    /media/, the error page elsewhere."""
    return _error(default_exceptions.get(exc.status, default_exceptions[500])(str(exc)))
