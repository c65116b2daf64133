"""The admin settings page: accelerator, storage, library paths, users."""

from __future__ import annotations

import shutil
from typing import Any

from flask import Blueprint, current_app, render_template
from peewee import fn

from appliance.catalog.models import File, Photo, User
from appliance.web.security import admin_required

bp = Blueprint("settings", __name__)


def accelerator(configured: str) -> str:
    """What the vision stage uses: the same sentence as `shoebox doctor` and the status page."""
    from appliance.vision.edgetpu import answer

    return answer(configured).text


def storage(library: Any) -> dict[str, Any]:
    usage = shutil.disk_usage(library.root)
    stored = File.select(fn.COALESCE(fn.SUM(File.size), 0)).where(File.stored_path.is_null(False))
    return {
        "total": usage.total,
        "free": usage.free,
        "originals": int(stored.scalar() or 0),  # PostgreSQL sums bigints as numeric
        "photos": Photo.select().where(Photo.status == "ok").count(),
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
        users=list(User.select().order_by(User.username)),
    )
