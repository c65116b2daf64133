"""When a target's backup is due. systemd's timer asks every hour (`run --if-due`).

- the first backup of a target: at once;
- nightly: no good backup since the last 02:00 (local time); a box that was off catches up;
- after changes (import batches, decisions): the catalogue changed since the last run, and
  that run began at least an hour ago (debounced: at most hourly);
- a failed run is tried again at the next hourly check.
Weekly: old snapshots are thinned out (``KEEP``, `restic forget --prune`) and a sample of
the repository's data is read back (`restic check --read-data-subset`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from appliance.library import Library

NIGHTLY_HOUR = 2
CHANGE_INTERVAL = dt.timedelta(hours=1)
READ_INTERVAL = dt.timedelta(days=7)
READ_SUBSET = "5%"
# Which snapshots the weekly maintenance keeps (the rest is forgotten and pruned): a photo
# deleted for good stays restorable for up to ten years of yearly snapshots.
KEEP = ("--keep-last", "3", "--keep-daily", "14", "--keep-weekly", "8")
KEEP += ("--keep-monthly", "24", "--keep-yearly", "10")
STALE_AFTER = dt.timedelta(days=7)  # the status warns after this long without a good backup


def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def parse_time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def last_night(moment: dt.datetime) -> dt.datetime:
    night = moment.replace(hour=NIGHTLY_HOUR, minute=0, second=0, microsecond=0)
    return night if night <= moment else night - dt.timedelta(days=1)


def catalogue_changed(library: Library, since: dt.datetime | None) -> bool:
    """Did the catalogue change since ``since``? For SQLite the files' times (``stat``
    only: the catalogue is never opened here); a server's catalogue counts as changed."""
    if since is None or library.catalog_on_server:
        return True
    newest = 0.0
    for suffix in ("", "-wal"):
        try:
            newest = max(newest, os.stat(Path(f"{library.catalog_path}{suffix}")).st_mtime)
        except FileNotFoundError:
            continue
    return newest > since.timestamp()


def due(status: dict[str, Any], changed: bool, at: dt.datetime | None = None) -> str | None:
    """Why a run is due now ("first", "nightly", "changes"), or None."""
    at = at or now()
    success = parse_time(status.get("last_success"))
    attempt = parse_time(status.get("last_attempt"))
    if success is None and attempt is None:
        return "first"
    recent = attempt is not None and at - attempt < CHANGE_INTERVAL
    if (success is None or success < last_night(at)) and not recent:
        return "nightly"
    if changed and not recent:
        return "changes"
    return None


def read_due(status: dict[str, Any], at: dt.datetime | None = None) -> bool:
    """Is the weekly read of a data sample due?"""
    last = parse_time(status.get("last_read_check"))
    return last is None or (at or now()) - last >= READ_INTERVAL
