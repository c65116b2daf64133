"""The timeline's live side: months for the scrubber, the changes while imports land, and a
zip download of a selection.

Live updates never hold the request threads hostage: the web UI polls ``GET
/api/v1/live`` (JSON, a few milliseconds each, slower while its tab is hidden). The
server-sent-event form is kept for other clients but bounded: each open stream holds one
of waitress's threads, so at most ``STREAMS_PER_USER`` per user and ``STREAMS_IN_ALL`` in
all; beyond that the answer is 429 with the snapshot's route to poll instead."""

from __future__ import annotations

import json
import threading
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
STREAMS_PER_USER = 2
STREAMS_IN_ALL = 4  # of the server's 12 threads: the pages always have 8
POLL_SECONDS = 1.5
MAX_ZIP = 2000


def snapshot() -> dict[str, Any]:
    """The timeline's change marker and the import queue, as the stream sends them."""
    report = web_status(current_app.config["SHOEBOX_LIBRARY"], health=False)
    daemon = report.get("daemon") or {}
    return change_marker() | {
        "queue": report["queue"],
        "importing": bool(report["active"] and daemon.get("alive")),
    }


class StreamSlots:
    """Open event streams, per user and in all (each holds a request thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, int] = {}

    def take(self, user_id: int) -> bool:
        with self._lock:
            if (
                sum(self._open.values()) >= STREAMS_IN_ALL
                or self._open.get(user_id, 0) >= STREAMS_PER_USER
            ):
                return False
            self._open[user_id] = self._open.get(user_id, 0) + 1
            return True

    def give_back(self, user_id: int) -> None:
        with self._lock:
            left = self._open.get(user_id, 0) - 1
            if left > 0:
                self._open[user_id] = left
            else:
                self._open.pop(user_id, None)


slots = StreamSlots()


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
    """The current snapshot as JSON (what the web UI polls); server-sent events for
    ``Accept: text/event-stream``: ``change`` with ``{count, newest, queue, importing}``
    whenever it changes, within the stream slots (else 429)."""
    first = snapshot()
    if "text/event-stream" not in request.headers.get("Accept", ""):
        return jsonify(first)
    user_id = g.user.id
    if not slots.take(user_id):
        response = jsonify(
            error=f"too many live streams (at most {STREAMS_PER_USER} each, {STREAMS_IN_ALL} in"
            " all): poll GET /api/v1/live for JSON instead"
        )
        response.status_code = 429
        response.headers["Retry-After"] = "30"
        return response
    response = Response(stream_with_context(_events(first)), mimetype="text/event-stream")
    # The server closes every response it started, finished or cut: the slot comes back.
    response.call_on_close(lambda: slots.give_back(user_id))
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
