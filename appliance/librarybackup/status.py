"""Per target: the last good backup, the photos not backed up yet, and a warning when the
last good backup is older than a week (for `library-backup status` and the status page)."""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Callable
from typing import Any

from appliance.librarybackup import schedule
from appliance.librarybackup.targets import TargetStore


def photos_after(photo_id: int) -> int:
    """Photos in the (open) catalogue added after the one with ``photo_id``."""
    from appliance.catalog import photos

    return photos.photos_after(photo_id)


def run_in_progress(store: TargetStore) -> bool:
    """Does a run hold the box's run lock now? (A killed run's "running" mark is stale.)"""
    try:
        with open(store.root / "run.lock", "rb") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
    except FileNotFoundError:
        return False
    return False


def target_reports(
    store: TargetStore,
    count_after: Callable[[int], int] | None = photos_after,
    at: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """One JSON-able report per target. ``count_after`` None: the catalogue is not at hand
    (``photos_not_backed_up`` is then None)."""
    at = at or schedule.now()
    busy = run_in_progress(store)
    reports = []
    for target in store.targets():
        status = store.read_status(target.name)
        success = schedule.parse_time(status.get("last_success"))
        since = status.get("backed_up_max_photo_id", 0) if success else 0
        pending = count_after(since) if count_after is not None else None
        warning = None
        if success is None:
            warning = "no good backup yet"
        elif at - success > schedule.STALE_AFTER:
            warning = f"no good backup for {(at - success).days} days"
        reports.append(
            {
                "name": target.name,
                "kind": target.kind,
                "repository": target.repository,
                "last_success": status.get("last_success"),
                "age_seconds": round((at - success).total_seconds()) if success else None,
                "photos_not_backed_up": pending,
                "photos_backed_up": status.get("backed_up_photos") if success else 0,
                "last_snapshot": status.get("last_snapshot"),
                "last_attempt": status.get("last_attempt"),
                "last_error": status.get("last_error"),
                "last_read_check": status.get("last_read_check"),
                "running": busy and bool(status.get("running")),
                "warning": warning,
            }
        )
    return reports


def describe(report: dict[str, Any]) -> str:
    """One line for the terminal and the status page."""
    from appliance.status import describe_age

    last = describe_age(report["age_seconds"]) if report["last_success"] else "never"
    line = f"{report['name']} ({report['repository']}): last good backup {last}"
    if report["photos_not_backed_up"] is not None:
        line += f", {report['photos_not_backed_up']} photos not backed up yet"
    if report["running"]:
        line += ", running now"
    if report["last_error"]:
        line += f"; last run failed: {report['last_error']}"
    if report["warning"]:
        line += f"  WARNING: {report['warning']}"
    return line
