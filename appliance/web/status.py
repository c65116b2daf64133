"""The import status page (live through the API)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("status", __name__)


@bp.get("/status")
def index() -> str:
    return render_template("status.html", title="Import")
