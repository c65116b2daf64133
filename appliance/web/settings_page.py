"""The admin settings page: accelerator, storage, library paths, users."""

from __future__ import annotations

import shutil
from typing import Any

from flask import Blueprint, current_app, render_template

from appliance.catalog.files import stored_bytes
from appliance.catalog.photos import ok_count
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
        "photos": ok_count(),
    }


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
    )
