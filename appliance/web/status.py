"""The import status page (live through the API)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("status", __name__)


@bp.get("/status")
def index() -> str:
    from appliance.vision.edgetpu import answer

    configured = current_app.config["SHOEBOX_SETTINGS"].accelerator
    return render_template("status.html", title="Import", accelerator=answer(configured).text)
