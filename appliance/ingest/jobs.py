"""The daemon's job queue, kept in the catalog's Job table.

Every discovered file becomes one row. A job moves pending -> running -> done (or back to
pending with a back-off, or failed for good after ``MAX_ATTEMPTS``). Jobs of a removable
volume that went away are *paused* and resume when the same filesystem UUID returns. Rows
left ``running`` by a crash are reset at start-up; the pipeline makes re-running them safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import peewee as pw
from peewee import fn

from appliance.catalog.models import Job, database_proxy, utcnow
from appliance.ingest.tasks import FileTask, Outcome

if TYPE_CHECKING:
    from appliance.ingest.runner import Ingestor

MAX_ATTEMPTS = 5
TIMEOUT_ATTEMPTS = 3  # a volume's file out of time: tries per plug, each with a doubled limit
TIMED_OUT = "timed out"  # appliance.ingest.workers.TIMED_OUT: the reason of a timed-out try
BACKOFF_BASE = 10.0  # seconds before the 2nd attempt; doubles each time
BACKOFF_MAX = 3600.0
ACTIVE = ("pending", "running", "paused")
STATES = ("pending", "running", "done", "failed", "paused")


def _uncounted() -> pw.Node:
    """SQL for "take back the attempt that claiming counted" (never below zero)."""
    return fn.MAX(Job.attempts - 1, 0)


def backoff_seconds(attempts: int) -> float:
    """Delay before the next attempt after ``attempts`` failed ones (10 s, 20 s, 40 s ...)."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1))


def enqueue(
    path: Path | str,
    source: str,
    policy: str,
    volume_uuid: str | None = None,
    size: int | None = None,
    mtime: float | None = None,
) -> Job | None:
    """Add a job for ``path`` unless one already covers it; return the new or revived job.

    An active job for the same path is kept (its size/mtime refreshed). A done job with the
    same size and mtime means the file was already handled and nothing is queued. A failed
    job is revived when the file changed since. A volume's jobs are keyed by its filesystem
    UUID and the path (rebased to where the volume is mounted now, i.e. the path relative to
    the volume): another card in the same slot, with the same file names, is never taken
    for the first one.
    """
    if policy not in ("index", "copy", "move"):
        raise ValueError(f"unknown policy {policy!r}")
    key = str(path)
    now = utcnow()
    same_volume = (
        Job.volume_uuid == volume_uuid if volume_uuid is not None else Job.volume_uuid.is_null()
    )
    with database_proxy.atomic():
        rows = list(Job.select().where((Job.path == key) & same_volume).order_by(Job.id.desc()))
        for job in rows:
            if job.state in ACTIVE:
                if job.state != "running" and (size, mtime) != (job.size, job.mtime):
                    Job.update(size=size, mtime=mtime, updated_at=now).where(
                        Job.id == job.id
                    ).execute()
                return None
        latest = rows[0] if rows else None
        same = latest is not None and (latest.size, latest.mtime) == (size, mtime)
        if same and not (policy == "move" and latest.state == "done"):
            return None  # done or failed for this very content: nothing new
        return Job.create(
            path=key,
            source=source,
            policy=policy,
            volume_uuid=volume_uuid,
            size=size,
            mtime=mtime,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )


def claim_due(
    limit: int, now: dt.datetime | None = None, volume_uuid: str | None = None
) -> list[Job]:
    """Mark up to ``limit`` due pending jobs running (oldest first) and return them.

    With ``volume_uuid`` only that volume's jobs are claimed. The write lock is taken only
    when something is due, so an idle daemon polling the queue costs a read.
    """
    if limit < 1:
        return []
    now = now or utcnow()
    due = (Job.state == "pending") & (Job.next_attempt_at <= now)
    if volume_uuid is not None:
        due &= Job.volume_uuid == volume_uuid
    if not Job.select(Job.id).where(due).exists():
        return []
    with database_proxy.atomic():
        jobs = list(Job.select().where(due).order_by(Job.next_attempt_at, Job.id).limit(limit))
        if jobs:
            Job.update(state="running", attempts=Job.attempts + 1, updated_at=now).where(
                Job.id.in_([j.id for j in jobs])
            ).execute()
    for job in jobs:
        job.state, job.attempts = "running", job.attempts + 1
    return jobs


def mark_done(job_id: int, file_id: int | None = None) -> None:
    """Finish a job (the pipeline normally does this inside its own transaction)."""
    Job.update(state="done", file=file_id, error=None, updated_at=utcnow()).where(
        Job.id == job_id
    ).execute()


def mark_failed(job_id: int, error: str, now: dt.datetime | None = None) -> str:
    """Record a failed attempt: retry later with back-off, or give up. Return the new state."""
    now = now or utcnow()
    job = Job.get_by_id(job_id)
    if job.attempts >= MAX_ATTEMPTS:
        state, due = "failed", job.next_attempt_at
    else:
        state, due = "pending", now + dt.timedelta(seconds=backoff_seconds(job.attempts))
    Job.update(state=state, error=error[:2000], next_attempt_at=due, updated_at=now).where(
        Job.id == job_id
    ).execute()
    return state


def retry_later(job_id: int, delay: float, reason: str) -> None:
    """Put a job back without counting the attempt (a locked or still-settling file)."""
    now = utcnow()
    Job.update(
        state="pending",
        attempts=_uncounted(),
        error=reason,
        next_attempt_at=now + dt.timedelta(seconds=delay),
        updated_at=now,
    ).where(Job.id == job_id).execute()


def pause(job_ids: Iterable[int], reason: str) -> int:
    """Pause the given jobs (their file is on a volume that went away)."""
    ids = list(job_ids)
    if not ids:
        return 0
    return (
        Job.update(state="paused", attempts=_uncounted(), error=reason, updated_at=utcnow())
        .where(Job.id.in_(ids) & Job.state.in_(("pending", "running")))
        .execute()
    )


def pause_volume(volume_uuid: str, reason: str = "volume removed") -> int:
    """Pause every unfinished job of a volume; return how many were paused."""
    ids = [
        j.id
        for j in Job.select(Job.id).where(
            (Job.volume_uuid == volume_uuid) & Job.state.in_(("pending", "running"))
        )
    ]
    return pause(ids, reason)


def resume_volume(
    volume_uuid: str, mount: Path | None = None, old_mount: Path | None = None
) -> int:
    """Make a returning volume's paused jobs due again; return how many.

    When it is mounted somewhere else now, every job of the volume (done ones too, so they
    are still recognised) is rebased from ``old_mount`` to ``mount``. Files that ran out of
    time are tried again (with a longer limit, see :func:`time_factor`).
    """
    now = utcnow()
    moved = mount is not None and old_mount is not None and Path(mount) != Path(old_mount)
    with database_proxy.atomic():
        if moved:
            for job in Job.select(Job.id, Job.path).where(Job.volume_uuid == volume_uuid):
                if Path(job.path).is_relative_to(old_mount):
                    new_path = Path(mount) / Path(job.path).relative_to(old_mount)
                    Job.update(path=str(new_path)).where(Job.id == job.id).execute()
        revived = (
            Job.update(state="pending", next_attempt_at=now, updated_at=now)
            .where(
                (Job.volume_uuid == volume_uuid)
                & (Job.state == "failed")
                & Job.error.startswith(TIMED_OUT)
            )
            .execute()
        )
        return revived + (
            Job.update(state="pending", error=None, next_attempt_at=now, updated_at=now)
            .where((Job.volume_uuid == volume_uuid) & (Job.state == "paused"))
            .execute()
        )


def time_factor(job: Job) -> float:
    """How many times ``per_file_timeout`` a job may take: doubled after each timeout (max 8)."""
    if not (job.error or "").startswith(TIMED_OUT):
        return 1.0
    return float(min(8, 2 ** max(0, job.attempts - 1)))


def mark_timed_out(job: Job, error: str) -> str:
    """A volume's file ran out of time: try again soon with a longer limit, a few times.

    After :data:`TIMEOUT_ATTEMPTS` tries it is failed until the volume is plugged in again
    (:func:`resume_volume` revives it), never recorded as a broken photo.
    """
    now = utcnow()
    state = "failed" if job.attempts >= TIMEOUT_ATTEMPTS else "pending"
    Job.update(state=state, error=error[:2000], next_attempt_at=now, updated_at=now).where(
        Job.id == job.id
    ).execute()
    return state


def reset_running() -> int:
    """At start-up: jobs a killed process left running become pending (not counted)."""
    now = utcnow()
    return (
        Job.update(state="pending", attempts=_uncounted(), next_attempt_at=now, updated_at=now)
        .where(Job.state == "running")
        .execute()
    )


def counts(
    volume_uuid: str | None = None, failed_since: dt.datetime | None = None
) -> dict[str, int]:
    """Number of jobs per state (every state present, zero when empty).

    With ``failed_since``, failed jobs count only when they failed at or after that time
    (the failures of this plug of a volume, not those of earlier plugs).
    """
    query = Job.select(Job.state, fn.COUNT(Job.id).alias("n")).group_by(Job.state)
    if volume_uuid is not None:
        query = query.where(Job.volume_uuid == volume_uuid)
    if failed_since is not None:
        query = query.where((Job.state != "failed") | (Job.updated_at >= failed_since))
    result = dict.fromkeys(STATES, 0)
    for row in query:
        result[row.state] = row.n
    return result


def next_due_in(now: dt.datetime | None = None, volume_uuid: str | None = None) -> float | None:
    """Seconds until the next pending job is due (0 if one is due), None if none pending."""
    now = now or utcnow()
    pending = Job.state == "pending"
    if volume_uuid is not None:
        pending &= Job.volume_uuid == volume_uuid
    job = Job.select(Job.next_attempt_at).where(pending).order_by(Job.next_attempt_at).first()
    if job is None:
        return None
    return max(0.0, (job.next_attempt_at - now).total_seconds())


def execute(
    ingestor: Ingestor,
    batch: list[Job],
    volume_present: Callable[[str], bool],
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run claimed jobs through the pipeline and settle every one of them.

    The pipeline marks jobs done (or failed for good) in the same transaction as their
    photo. Transient failures are retried with back-off, unless the file's volume went
    away: then the whole volume is paused until it returns.
    """
    tasks = [
        FileTask(Path(j.path), j.source, j.policy, j.volume_uuid, j.id, time_factor(j))  # type: ignore[arg-type]
        for j in batch
    ]
    outcomes = ingestor.process(tasks, progress) if tasks else []
    by_id = {j.id: j for j in batch}
    for outcome in outcomes:
        job = by_id.get(outcome.task.job_id)
        if job is None or outcome.status != "failed" or not outcome.transient:
            continue
        if job.volume_uuid and not volume_present(job.volume_uuid):
            pause_volume(job.volume_uuid, "volume removed; waiting for it to return")
        elif job.volume_uuid and (outcome.error or "").startswith(TIMED_OUT):
            mark_timed_out(job, outcome.error or TIMED_OUT)
        elif not Path(job.path).exists():
            Job.update(state="failed", error="the file vanished before it was imported").where(
                Job.id == job.id
            ).execute()
        else:
            mark_failed(job.id, outcome.error or "transient error")
    leftover = Job.select(Job.id).where(Job.id.in_(list(by_id)) & (Job.state == "running"))
    for row in leftover:  # never leave a claimed job running
        mark_failed(row.id, "the pipeline returned no outcome")
    return outcomes
