"""The import status page (live through the API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, render_template

from appliance.status import backup_state, box_health, describe_age, status_report

bp = Blueprint("status", __name__)


@bp.get("/status")
def index() -> str:
    from appliance.librarybackup.status import describe
    from appliance.vision.edgetpu import answer

    library = current_app.config["SHOEBOX_LIBRARY"]
    backup = backup_state(library)
    age = describe_age(backup["age_seconds"])
    settings = current_app.config["SHOEBOX_SETTINGS"]
    copies = [
        {"text": describe(report), "warning": report["warning"]} for report in library_copies()
    ]
    health = box_health(library, status_report(library), library_copies())
    from appliance.web.moving_in import asked_exports, offered_exports

    admin = getattr(g.get("user"), "role", None) == "admin"
    return render_template(
        "status.html",
        exports=offered_exports() if admin else [],
        asked=asked_exports() if admin else [],
        phones=_phones(),
        health=health["health"],
        title="Is my box OK?",
        backup_age=f"Newest good backup: {age}",
        library_backups=copies,
        accelerator=answer(settings.accelerator).text,
    )


def library_copies() -> list[dict[str, Any]]:
    """The reports of the library's second copies (the status page and its API)."""
    from appliance.librarybackup.status import target_reports
    from appliance.librarybackup.targets import TargetStore

    settings = current_app.config["SHOEBOX_SETTINGS"]
    return target_reports(TargetStore(settings.backup_state_dir))


def _phones() -> list[dict[str, str]]:
    """Every phone that backs up, with its owner and last backup (the status page)."""
    from appliance.catalog.phones import all_phones

    rows = all_phones()
    return [
        {
            "name": f"{p.name} ({p.user.username})",
            "last": f"last backup {describe_age(_age(p.last_backup_at))}, {p.files} files"
            if p.last_backup_at
            else "no backup yet",
        }
        for p in rows
    ]


def _age(when: object) -> float:
    import datetime as dt

    return (dt.datetime.now(dt.UTC).replace(tzinfo=None) - when).total_seconds()
