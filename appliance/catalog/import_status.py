"""What the import status report reads from the job table: per-volume counts, the finish
rate, running files and recent errors (read only; ``appliance.status`` shapes the report)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from peewee import fn

from appliance.catalog.models import Job, Setting


def volume_jobs() -> list[dict[str, Any]]:
    """One entry per plugged volume or camera: ``uuid``, ``mount`` (last seen), ``device``
    (its name), ``note`` (what to do when nothing could be read), ``jobs`` by state and
    ``outcomes`` of its finished files (added, duplicate, restored, unchanged, failed)."""
    volumes: dict[str, dict[str, Any]] = {}

    def entry(uuid: str) -> dict[str, Any]:
        return volumes.setdefault(
            uuid, {"kind": "volume", "uuid": uuid, "jobs": {}, "outcomes": {}}
        )

    by_state = (
        Job.select(Job.volume_uuid, Job.state, fn.COUNT(Job.id).alias("n"))
        .where(Job.volume_uuid.is_null(False))
        .group_by(Job.volume_uuid, Job.state)
    )
    for row in by_state:
        entry(row.volume_uuid)["jobs"][row.state] = row.n
    by_outcome = (
        Job.select(Job.volume_uuid, Job.outcome, fn.COUNT(Job.id).alias("n"))
        .where(Job.volume_uuid.is_null(False) & Job.outcome.is_null(False))
        .group_by(Job.volume_uuid, Job.outcome)
    )
    for row in by_outcome:
        entry(row.volume_uuid)["outcomes"][row.outcome] = row.n
    described = Setting.select().where(Setting.key.startswith("volume."))
    for setting in described:
        uuid, _, field = setting.key.removeprefix("volume.").rpartition(".")
        if field in ("device", "note"):
            entry(uuid)[field] = setting.value
    for uuid, item in volumes.items():
        mount = Setting.get_or_none(Setting.key == f"volume.{uuid}.mount")
        item["mount"] = mount.value if mount else None
        item.setdefault("device", None)
        item.setdefault("note", None)
    return list(volumes.values())


def finished_since(since: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many jobs finished since ``since``, and when the first of them did."""
    done = (Job.state == "done") & (Job.updated_at >= since)
    count = Job.select().where(done).count()
    first = Job.select(fn.MIN(Job.updated_at)).where(done).scalar() if count else None
    return count, first


def outcomes_since(since: dt.datetime) -> dict[str, int]:
    """What became of the files finished since ``since``: added, duplicate, restored,
    unchanged, failed (each present, zero when none)."""
    found = dict.fromkeys(("added", "duplicate", "restored", "unchanged", "failed"), 0)
    rows = (
        Job.select(Job.outcome, fn.COUNT(Job.id).alias("n"))
        .where(Job.outcome.is_null(False) & (Job.updated_at >= since))
        .group_by(Job.outcome)
    )
    for row in rows:
        found[row.outcome] = found.get(row.outcome, 0) + row.n
    return found


def running_paths(limit: int = 5) -> list[str]:
    return [j.path for j in Job.select(Job.path).where(Job.state == "running").limit(limit)]


def recent_errors(limit: int) -> list[dict[str, Any]]:
    """The newest jobs with an error that still count (failed, waiting to retry, paused)."""
    return [
        {
            "path": j.path,
            "state": j.state,
            "attempts": j.attempts,
            "error": j.error,
            "when": j.updated_at.isoformat(timespec="seconds"),
        }
        for j in Job.select()
        .where(Job.error.is_null(False) & Job.state.in_(("failed", "pending", "paused")))
        .order_by(Job.updated_at.desc())
        .limit(limit)
    ]
