"""Moving in from the web UI (admins): the Google Takeout and iCloud exports found in the
export folders (plugged drives, server folders), grouped by folder (all parts of one
export together), and asking the service to bring one home (`migrate.requests`).

``GET /api/v1/moving-in`` lists what is offered and what was asked; ``POST`` with
``{"folder": ...}`` asks for the export in one offered folder. Only a folder the listing
offers can be asked for: no other path on the box is reachable from here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify

from appliance.migrate import icloud_plan, requests
from appliance.web.security import admin_required

bp = Blueprint("moving_in", __name__, url_prefix="/api/v1")


def offered_exports() -> list[dict[str, Any]]:
    """One entry per folder holding export archives: ``folder``, ``kind``, ``parts``."""
    settings = current_app.config["SHOEBOX_SETTINGS"]
    by_folder: dict[Path, list[Path]] = defaultdict(list)
    for archive in requests.offered(list(settings.export_folders)):
        by_folder[archive.parent].append(archive)
    return [
        {
            "folder": str(folder),
            "kind": "iCloud Photos" if icloud_plan.is_icloud(parts) else "Google Takeout",
            "parts": [p.name for p in sorted(parts)],
        }
        for folder, parts in sorted(by_folder.items())
    ]


def asked_exports() -> list[dict[str, Any]]:
    library = current_app.config["SHOEBOX_LIBRARY"]
    return [
        {
            "sources": [str(s) for s in r.sources],
            "folder": str(r.sources[0].parent),
            "tries": r.tries,
        }
        for r in requests.pending(library.root)
    ]


@bp.get("/moving-in")
@admin_required
def listing() -> Any:
    return jsonify(offered=offered_exports(), asked=asked_exports())


@bp.post("/moving-in")
@admin_required
def ask() -> Any:
    from appliance.web.api import body, fail

    folder = body().get("folder")
    chosen = next((o for o in offered_exports() if o["folder"] == folder), None)
    if chosen is None:
        fail(404, "no export in that folder: plug the drive in, or look again")
    library = current_app.config["SHOEBOX_LIBRARY"]
    parts = [Path(chosen["folder"]) / name for name in chosen["parts"]]
    request = requests.ask(library.root, parts)
    return jsonify(asked=[str(s) for s in request.sources]), 202
