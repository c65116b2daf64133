"""The admin settings page: accelerator, storage, library paths, users."""

from __future__ import annotations

import ctypes.util
import shutil
from typing import Any

from flask import Blueprint, current_app, render_template
from peewee import fn

from appliance.catalog.models import File, Photo, User
from appliance.web.security import admin_required

bp = Blueprint("settings", __name__)


def accelerator(configured: str) -> str:
    """What the vision stage would use: the Edge TPU when its runtime is installed."""
    if configured == "cpu":
        return "CPU (by configuration)"
    if ctypes.util.find_library("edgetpu"):
        return "Edge TPU (runtime installed)"
    return "CPU (no Edge TPU runtime found)"


def storage(library: Any) -> dict[str, Any]:
    usage = shutil.disk_usage(library.root)
    stored = File.select(fn.COALESCE(fn.SUM(File.size), 0)).where(File.stored_path.is_null(False))
    return {
        "total": usage.total,
        "free": usage.free,
        "originals": stored.scalar() or 0,
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
