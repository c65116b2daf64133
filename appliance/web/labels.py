"""The labels page: what the classifier (and the family) put on photos."""

from __future__ import annotations

from flask import Blueprint, render_template

from appliance.catalog.queries import list_labels

bp = Blueprint("labels", __name__)


@bp.get("/labels")
def index() -> str:
    return render_template("labels.html", title="Things", labels=list_labels())
