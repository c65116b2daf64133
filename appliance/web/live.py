"""The timeline's live side: months for the scrubber, a stream of changes while imports land
(server-sent events), and a zip download of a selection."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context

from appliance.catalog.timeline import change_marker, months, zip_members
from appliance.originals import UnsafePath, original_path
from appliance.status import web_status
from appliance.web.api import fail
from appliance.web.permissions import can
from appliance.web.zipstream import member_name, stream_zip

bp = Blueprint("live", __name__, url_prefix="/api/v1")
STREAM_SECONDS = 25.0  # then the browser reconnects (EventSource): no thread is held forever
POLL_SECONDS = 1.5
MAX_ZIP = 2000


def snapshot() -> dict[str, Any]:
    """The timeline's change marker and the import queue, as the stream sends them."""
    report = web_status(current_app.config["SHOEBOX_LIBRARY"])
    daemon = report.get("daemon") or {}
    return change_marker() | {
        "queue": report["queue"],
        "importing": bool(report["active"] and daemon.get("alive")),
    }


def _events(first: dict[str, Any]) -> Iterator[str]:
    yield f"retry: 2000\nevent: change\ndata: {json.dumps(first)}\n\n"
    last, ends = first, time.monotonic() + STREAM_SECONDS
    while time.monotonic() < ends:
        time.sleep(POLL_SECONDS)
        now = snapshot()
        if now != last:
            last = now
            yield f"event: change\ndata: {json.dumps(now)}\n\n"
        else:
            yield ": idle\n\n"


@bp.get("/live")
def live() -> Any:
    """Server-sent events for ``Accept: text/event-stream`` (what EventSource sends):
    ``change`` with ``{count, newest, queue, importing}`` whenever it changes; any other
    client gets the current snapshot as JSON."""
    first = snapshot()
    if "text/event-stream" not in request.headers.get("Accept", ""):
        return jsonify(first)
    response = Response(stream_with_context(_events(first)), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.get("/timeline/months")
def timeline_months() -> Any:
    return jsonify(months=months())


@bp.get("/photos/zip")
def download_zip() -> Any:
    """The originals of ``ids`` (comma-separated) as one zip, streamed as it is written."""
    if not can(g.get("user"), "photo.download"):
        fail(403, "your role may not download originals")
    try:
        ids = [int(part) for part in request.args.get("ids", "").split(",") if part.strip()]
    except ValueError:
        fail(400, "ids must be comma-separated numbers")
    if not ids or len(ids) > MAX_ZIP or any(not 0 < i < 2**63 for i in ids):
        fail(400, f"send 1 to {MAX_ZIP} photo ids")
    library = current_app.config["SHOEBOX_LIBRARY"]
    used: set[str] = set()
    entries = []
    for member in zip_members(ids):
        try:
            path = original_path(library, member.file)
        except (UnsafePath, FileNotFoundError):
            continue
        name = member.file.original_name or path.name
        entries.append((member_name(str(name), member.taken, used), path))
    if not entries:
        fail(404, "none of these photos has an original to download")
    response = Response(stream_with_context(stream_zip(entries)), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="shoebox-photos.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response
