"""The camera share's account on the settings page (admins): ``GET``, ``PUT`` (user name
and password) and ``DELETE`` (turn off) ``/api/v1/camera-share``. The change is applied
by the root helper a moment later (``pending`` until then); see appliance.camera_share."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from appliance import camera_share
from appliance.web.security import admin_required

bp = Blueprint("camera_share", __name__)


def _folder() -> Any:
    return current_app.config["SHOEBOX_SETTINGS"].camera_share_dir


@bp.get("/api/v1/camera-share")
@admin_required
def show() -> Any:
    return jsonify(camera_share.read_state(_folder()))


@bp.put("/api/v1/camera-share")
@admin_required
def set_account() -> Any:
    from appliance.web.api import body

    data = body()
    camera_share.request_account(_folder(), data.get("username"), data.get("password"))
    return jsonify(camera_share.read_state(_folder()))


@bp.delete("/api/v1/camera-share")
@admin_required
def turn_off() -> Any:
    camera_share.request_off(_folder())
    return jsonify(camera_share.read_state(_folder()))
