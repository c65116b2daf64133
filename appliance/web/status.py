"""The import status page (live through the API)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from appliance.status import backup_state, describe_age

bp = Blueprint("status", __name__)


@bp.get("/status")
def index() -> str:
    from appliance.librarybackup.status import describe, target_reports
    from appliance.librarybackup.targets import TargetStore
    from appliance.vision.edgetpu import answer

    backup = backup_state(current_app.config["SHOEBOX_LIBRARY"])
    age = describe_age(backup["age_seconds"])
    settings = current_app.config["SHOEBOX_SETTINGS"]
    copies = [
        {"text": describe(report), "warning": report["warning"]}
        for report in target_reports(TargetStore(settings.backup_state_dir))
    ]
    return render_template(
        "status.html",
        title="Import",
        backup_age=f"Newest good backup: {age}",
        library_backups=copies,
        accelerator=answer(settings.accelerator).text,
    )
