"""The admin settings page: accelerator, storage, library paths, users."""

from __future__ import annotations

import shutil
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template

from appliance.catalog import app_settings
from appliance.catalog.files import stored_bytes
from appliance.catalog.photos import library_summary
from appliance.catalog.users import list_users
from appliance.web.security import admin_required

bp = Blueprint("settings", __name__)


def accelerator(configured: str) -> str:
    """What the vision stage uses: the same sentence as `shoebox doctor` and the status page."""
    from appliance.vision.edgetpu import answer

    return answer(configured).text


def storage(library: Any) -> dict[str, Any]:
    usage = shutil.disk_usage(library.root)
    return {
        "total": usage.total,
        "free": usage.free,
        "originals": stored_bytes(),
        "photos": library_summary()["photos"],  # the number the status page shows
    }


SCREENSHOT_KEYS = tuple(app_settings.SCREENSHOT_DEFAULTS)


@bp.get("/settings")
@admin_required
def index() -> str:
    settings = current_app.config["SHOEBOX_SETTINGS"]
    library = current_app.config["SHOEBOX_LIBRARY"]
    return render_template(
        "settings.html",
        title="Settings",
        accelerator=accelerator(settings.accelerator),
        storage=storage(library),
        library=library,
        settings=settings,
        users=list_users(),
        share_base_url=app_settings.share_base_url() or "",
        screenshots={key: app_settings.hides_screenshots(key) for key in SCREENSHOT_KEYS},
    )


@bp.get("/api/v1/settings")
@admin_required
def read_settings() -> Any:
    """Settings changed in the web UI (admins)."""
    hidden = {key: app_settings.hides_screenshots(key) for key in SCREENSHOT_KEYS}
    return jsonify(share_base_url=app_settings.share_base_url(), **hidden)


@bp.patch("/api/v1/settings")
@admin_required
def change_settings() -> Any:
    from appliance.web.api import body, fail

    data = body()
    if "share_base_url" in data:
        url = data["share_base_url"]
        if url is not None and not isinstance(url, str):
            fail(400, "share_base_url must be text or null")
        try:
            app_settings.set_share_base_url(url)
        except app_settings.SettingError as exc:
            fail(400, str(exc))
    for key in SCREENSHOT_KEYS:
        if key in data:
            if not isinstance(data[key], bool):
                fail(400, f"{key} must be true or false")
            app_settings.set_hides_screenshots(key, data[key])
    return read_settings()
