"""What the appliance is doing: sources, queue, current file, rate, ETA, recent errors.

The one definition of the status shape: :func:`status_report` (``shoebox status --json``)
and :func:`web_status`, its view for the web UI (``GET /api/v1/status`` and the status
page). Reads the catalog (which must be open) and the daemon's published state file;
never writes.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from typing import Any

from appliance.catalog import import_status, photo_text
from appliance.catalog import queue as job_queue
from appliance.catalog.backups import list_backups
from appliance.catalog.fields import shown
from appliance.catalog.models import utcnow
from appliance.catalog.photos import library_summary
from appliance.library import Library
from appliance.migrate import progress as migration_progress
from appliance.processes import pid_alive

RATE_WINDOW = dt.timedelta(minutes=10)
DAY = dt.timedelta(hours=24)
LOW_DISK_SHARE, LOW_DISK_BYTES = 0.05, 2 * 2**30  # free space that asks for attention
ALIVE_AFTER = 30.0  # seconds without a heartbeat before the daemon counts as gone
ERRORS_SHOWN = 10


def daemon_state(library: Library) -> dict[str, Any]:
    """The daemon's published state, with ``alive`` telling whether it is really running."""
    from appliance.daemon import STATUS_FILE

    try:
        data = json.loads((library.root / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"alive": False, "state": "not running"}
    fresh = time.time() - float(data.get("heartbeat", 0)) < ALIVE_AFTER
    data["alive"] = bool(
        data.get("state") == "running" and fresh and pid_alive(int(data.get("pid", 0)))
    )
    if not data["alive"]:
        data["state"] = "not running"
        data["current"] = []
    return data


def _rate(now: dt.datetime) -> float:
    """Files per second finished over the last ten minutes."""
    done, first = import_status.finished_since(now - RATE_WINDOW)
    if not done:
        return 0.0
    span = max((now - first).total_seconds(), 1.0) if first else RATE_WINDOW.total_seconds()
    return done / span


def backup_state(library: Library) -> dict[str, Any]:
    """The newest backup (every kept backup was verified when taken) and its age."""
    newest = list_backups(library.backups)
    if not newest:
        return {"newest": None, "age_seconds": None, "count": 0}
    return {
        "newest": newest[0].path.name,
        "age_seconds": round(newest[0].age_seconds),
        "count": len(newest),
    }


def describe_age(seconds: float | None) -> str:
    """ "3 h ago" style text for the status page and `shoebox status`."""
    if seconds is None:
        return "no backup yet"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return "just now"


def status_report(library: Library) -> dict[str, Any]:
    """Everything `shoebox status` shows, as plain JSON-able data."""
    now = utcnow()
    daemon = daemon_state(library)
    queue = job_queue.counts()
    rate = _rate(now)
    left = queue["pending"] + queue["running"]
    sources: list[dict[str, Any]] = [
        {"kind": "inbox", "path": p} for p in daemon.get("inboxes", [])
    ] + [{"kind": "network inbox", "path": p} for p in daemon.get("poll_inboxes", [])]
    current = daemon.get("current") or import_status.running_paths(5)
    errors = import_status.recent_errors(ERRORS_SHOWN)
    return {
        "daemon": {k: daemon.get(k) for k in ("alive", "state", "pid", "started", "heartbeat")},
        "skipped": list(daemon.get("skipped") or []) if daemon["alive"] else [],
        "backup": backup_state(library),
        "sources": sources + import_status.volume_jobs(),
        "queue": queue,
        "current": current,
        "rate_per_second": round(rate, 3),
        "eta_seconds": round(left / rate) if rate > 0 and left else (0 if not left else None),
        "recent_errors": errors,
        "migrations": migration_progress.current(library.root),
        "text_backlog": photo_text.backlog_size(),  # photos whose text is not read yet
    }


def web_status(
    library: Library, copies: list[dict[str, Any]] | None = None, health: bool = True
) -> dict[str, Any]:
    """:func:`status_report` as the web UI shows it: ``active``, ``queue`` (files left),
    ``counts`` by state, ``current`` (text), ``rate_per_min``, ``eta_seconds``, ``sources``
    (text), ``errors`` (recent errors, then files the watcher skipped), ``daemon``,
    ``backup``, and with ``health`` :func:`box_health`'s answer."""
    raw = status_report(library)
    counts = dict(raw["queue"])
    current = raw["current"]
    left = counts.get("pending", 0) + counts.get("running", 0)
    sources = []
    for source in raw["sources"]:
        if source.get("kind") == "volume":
            sources.append(describe_volume(source))
            continue
        where = source.get("path") or source.get("mount") or source.get("uuid") or ""
        sources.append(f"{source.get('kind', 'source')}: {where}")
    return {
        "active": left > 0,
        "queue": left,
        "counts": counts,
        "current": ", ".join(map(str, current)) if isinstance(current, list) else current,
        "rate_per_min": round(float(raw["rate_per_second"] or 0) * 60, 1),
        "eta_seconds": raw["eta_seconds"],
        "sources": sources,
        "errors": [
            {"path": e["path"], "error": e["error"], "at": e["when"]} for e in raw["recent_errors"]
        ]
        + [{"path": s.get("path"), "error": s.get("reason"), "at": None} for s in raw["skipped"]],
        "daemon": raw["daemon"],
        "backup": raw["backup"],
        "migrations": [migration_progress.describe(m) for m in raw["migrations"]],
        "text_backlog": raw["text_backlog"],
    } | (box_health(library, raw, copies) if health else {})


def box_health(
    library: Library, raw: dict[str, Any], copies: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """ "Is my box OK?" in one answer: ``health`` (``state`` ok / attention / problem, a
    ``headline`` and ``details`` in words), with the numbers it is made of: ``library``
    (photo counts every page shares), ``today`` (what the last 24 h of imports became) and
    ``disk`` (the library disk's free and total bytes). ``copies``: the second copies'
    reports (`librarybackup.status.target_reports`); None when not known here."""
    summary = library_summary()
    today = import_status.outcomes_since(utcnow() - DAY)
    try:
        usage = shutil.disk_usage(library.root)
        disk: dict[str, int] | None = {"free": usage.free, "total": usage.total}
    except OSError:
        disk = None
    left = raw["queue"].get("pending", 0) + raw["queue"].get("running", 0)
    state, headline = "ok", "Everything is fine."
    if disk and (disk["free"] < LOW_DISK_BYTES or disk["free"] < LOW_DISK_SHARE * disk["total"]):
        state, headline = "problem", f"The library disk is almost full: {_gb(disk['free'])} free."
    elif left and not raw["daemon"].get("alive"):
        state = "problem"
        headline = f"{left} files wait, but the import service is not running: restart the box."
    elif today["failed"]:
        state = "attention"
        headline = f"{_files(today['failed'])} could not be imported today: see the problems below."
    elif copies is not None and not copies:
        state = "attention"
        headline = "There is no second copy of the library yet: see below."
    elif copies and any(c.get("warning") for c in copies):
        state, headline = "attention", "The second copy of the library needs a look: see below."
    details = [
        f"{summary['photos']} photos and videos in the library"
        f" ({summary['archived']} archived, {summary['trashed']} in the trash"
        f", {summary['unreadable']} could not be read).",
        f"Last 24 hours: {today['added'] + today['restored']} added,"
        f" {today['duplicate'] + today['unchanged']} already there, {today['failed']} failed.",
    ]
    if left:
        details.append(f"{_files(left)} waiting to be imported.")
    if disk:
        details.append(f"Library disk: {_gb(disk['free'])} free of {_gb(disk['total'])}.")
    health = {"state": state, "headline": headline, "details": details}
    return {"health": health, "library": summary, "today": today, "disk": disk}


def _gb(size: int) -> str:
    return f"{size / 2**30:.1f} GB"


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def describe_volume(source: dict[str, Any]) -> str:
    """One plugged device as the family reads it: its name, files found, added,
    duplicates, failed, what is left, and what to do when nothing could be read."""
    jobs, outcomes = source.get("jobs") or {}, source.get("outcomes") or {}
    name = source.get("device") or f"volume {source['uuid']}"
    found = sum(jobs.values())
    text = (
        f"{name}: {found} files found, {outcomes.get('added', 0)} added,"
        f" {outcomes.get('duplicate', 0) + outcomes.get('unchanged', 0)} already there,"
        f" {jobs.get('failed', 0)} failed"
    )
    left = jobs.get("pending", 0) + jobs.get("running", 0)
    if left:
        text += f", {left} to import"
    if jobs.get("paused"):
        text += f", {jobs['paused']} waiting for it to be plugged in again"
    if source.get("note"):
        text += f". {source['note']}"
    return text


def format_report(report: dict[str, Any]) -> str:
    """The human-readable form of :func:`status_report`."""
    lines = [f"daemon: {report['daemon']['state']}"]
    for source in report["sources"]:
        if source["kind"] == "volume":
            where = f" (at {source['mount']})" if source.get("mount") else ""
            lines.append(f"source: {describe_volume(source)}{where}")
        else:
            lines.append(f"source: {source['kind']} {source['path']}")
    queue = report["queue"]
    lines.append("queue: " + ", ".join(f"{state} {queue[state]}" for state in queue))
    for path in report["current"]:
        lines.append(f"now: {path}")
    eta = report["eta_seconds"]
    eta_text = "unknown" if eta is None else f"{eta} s"
    lines.append(f"rate: {report['rate_per_second']:.2f} files/s, ETA {eta_text}")
    backup = report.get("backup") or {}
    lines.append(f"backup: {describe_age(backup.get('age_seconds'))}")
    for item in report.get("skipped", []):
        lines.append(f"skipped: {shown(item['path'])}: {item['reason']}")
    if report.get("text_backlog"):
        lines.append(f"text: {report['text_backlog']} photos to read (in idle time)")
    for migration in report.get("migrations", []):
        lines.append(f"migration: {migration_progress.describe(migration)}")
    for error in report["recent_errors"]:
        lines.append(
            f"error ({error['state']}, {error['attempts']} tries): {error['path']}: "
            f"{error['error']}"
        )
    return "\n".join(lines)
