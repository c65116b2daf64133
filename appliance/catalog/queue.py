"""The job queue's SQL, kept in the catalogue's Job table.

Every discovered file becomes one row. A job moves pending -> running -> done (or back to
pending with a back-off, or failed for good after ``MAX_ATTEMPTS``). Jobs of a removable
volume that went away are *paused* and resume when the same filesystem UUID returns.

Claims: a claimed job is ``running`` with a claimant (``host:pid``) and a lease deadline.
On SQLite one process runs jobs (the daemon's worker lock): claiming takes the database's
write lock and rows left ``running`` by a crash are reset at start-up. On PostgreSQL many
processes on many machines claim at once: ``FOR UPDATE SKIP LOCKED`` hands each job to one
claimant, the claimant renews its leases while it works (:class:`LeaseKeeper`), and a job
whose lease ran out (its claimant was killed) is claimed again by someone else.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path

import peewee as pw
from peewee import fn

from appliance.catalog.db import without_write_lock
from appliance.catalog.dialect import is_postgres
from appliance.catalog.models import Job, Setting, database_proxy, utcnow

MAX_ATTEMPTS = 5
TIMEOUT_ATTEMPTS = 3  # a volume's file out of time: tries per plug, each with a doubled limit
TIMED_OUT = "timed out"  # appliance.ingest.workers.TIMED_OUT: the reason of a timed-out try
BACKOFF_BASE = 10.0  # seconds before the 2nd attempt; doubles each time
BACKOFF_MAX = 3600.0
LEASE_SECONDS = 60.0  # a claim's lifetime without renewal (renewed every third of it)
ACTIVE = ("pending", "running", "paused")
STATES = ("pending", "running", "done", "failed", "paused")


def claimant_id() -> str:
    """Who claims: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _uncounted() -> pw.Node:
    """SQL for "take back the attempt that claiming counted" (never below zero); a CASE,
    because a two-argument MAX is SQLite's alone."""
    return pw.Case(None, [(Job.attempts > 0, Job.attempts - 1)], 0)


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
    owner_id: int | None = None,
) -> Job | None:
    """Add a job for ``path`` unless one already covers it; return the new or revived job.

    An active job for the same path is kept (its size/mtime refreshed). A done job with the
    same size and mtime means the file was already handled and nothing is queued. A failed
    job is revived when the file changed since. A volume's jobs are keyed by its filesystem
    UUID and the path (rebased to where the volume is mounted now, i.e. the path relative to
    the volume): another card in the same slot, with the same file names, is never taken
    for the first one. ``owner_id``: the member who sent the file (its photo will be theirs).
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
            owner_id=owner_id,
        )


def _due(now: dt.datetime, shared: bool) -> pw.Expression:
    """Claimable: pending and due; on a shared catalogue also running past its lease."""
    due = (Job.state == "pending") & (Job.next_attempt_at <= now)
    if shared:
        due |= (Job.state == "running") & (Job.lease_until < now)
    return due


def claim_due(
    limit: int,
    now: dt.datetime | None = None,
    volume_uuid: str | None = None,
    claimant: str | None = None,
    lease: float = LEASE_SECONDS,
    local_only: bool = False,
) -> list[Job]:
    """Claim up to ``limit`` due jobs (oldest first) for ``claimant``; return them running.

    With ``volume_uuid`` only that volume's jobs are claimed; with ``local_only`` none of a
    volume's (their files are on a card plugged into another machine). A job whose lease
    expired is claimed again without counting a new attempt (its claimant died; the attempt
    was not its file's fault). The write lock is taken only when something is due, so an
    idle daemon polling the queue costs a read.
    """
    if limit < 1:
        return []
    now = now or utcnow()
    shared = is_postgres()
    due = _due(now, shared)
    if volume_uuid is not None:
        due &= Job.volume_uuid == volume_uuid
    elif local_only:
        due &= Job.volume_uuid.is_null()
    if not Job.select(Job.id).where(due).exists():
        return []
    claimant = claimant or claimant_id()
    lease_until = now + dt.timedelta(seconds=lease)
    with without_write_lock(), database_proxy.atomic():
        query = Job.select().where(due).order_by(Job.next_attempt_at, Job.id).limit(limit)
        if shared:  # each row to one claimant; rows another claimant holds are passed over
            query = query.for_update("FOR UPDATE SKIP LOCKED")
        jobs = list(query)
        if jobs:
            Job.update(
                state="running",
                attempts=pw.Case(None, [(Job.state == "running", Job.attempts)], Job.attempts + 1),
                claimed_by=claimant,
                lease_until=lease_until,
                updated_at=now,
            ).where(Job.id.in_([j.id for j in jobs])).execute()
    for job in jobs:
        if job.state != "running":
            job.attempts += 1
        job.state, job.claimed_by, job.lease_until = "running", claimant, lease_until
    return jobs


def renew(claimant: str, job_ids: Iterable[int], lease: float = LEASE_SECONDS) -> int:
    """Push back the lease of the jobs ``claimant`` still runs; return how many."""
    ids = list(job_ids)
    if not ids:
        return 0
    return (
        Job.update(lease_until=utcnow() + dt.timedelta(seconds=lease))
        .where(Job.id.in_(ids) & (Job.state == "running") & (Job.claimed_by == claimant))
        .execute()
    )


class LeaseKeeper:
    """Renews a batch's leases from a thread while the batch runs (shared catalogues only:
    on SQLite nothing expires). Use as a context manager around the work."""

    def __init__(self, jobs: list[Job], lease: float = LEASE_SECONDS) -> None:
        self.ids = [j.id for j in jobs]
        self.claimants = {j.claimed_by for j in jobs if j.claimed_by}
        self.lease = lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 3):
            for claimant in self.claimants:
                renew(claimant, self.ids, self.lease)
        database_proxy.close()  # this thread's own connection

    def __enter__(self) -> LeaseKeeper:
        if is_postgres() and self.ids:
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


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


def mark_given_up(job_id: int, error: str) -> None:
    """Failed for good, whatever the attempts: no retry would help."""
    Job.update(state="failed", error=error[:2000], updated_at=utcnow()).where(
        Job.id == job_id
    ).execute()


def mark_vanished(job_id: int) -> None:
    """The file went away before it was imported: failed for good."""
    mark_given_up(job_id, "the file vanished before it was imported")


def requeue_if_moved(job: Job) -> bool:
    """Settle a failed read of ``job`` (as claimed) when its volume was pulled and plugged
    back meanwhile: if the job is no longer ours (paused, or claimed again) leave it; if
    it was rebased to the volume's new mount, make it due again there. Return whether
    either happened (then the failure settles nothing)."""
    now = Job.get_or_none(Job.id == job.id)
    if now is None or now.state != "running" or now.claimed_by != job.claimed_by:
        return True
    if now.path != job.path:
        retry_later(job.id, 0, "the volume was plugged in again")
        return True
    return False


def still_running(job_ids: Iterable[int]) -> list[int]:
    """Which of these jobs are still running (claimed but never settled)."""
    ids = list(job_ids)
    return [r.id for r in Job.select(Job.id).where(Job.id.in_(ids) & (Job.state == "running"))]


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
    time are tried again (with a longer limit, see `ingest.jobs.time_factor`).
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


def reset_running(now: dt.datetime | None = None) -> int:
    """At start-up: jobs a killed process left running become pending (not counted).

    On SQLite that is every running job (one process runs jobs). On a shared catalogue
    only jobs whose lease ran out: the others belong to claimants still at work."""
    now = now or utcnow()
    stale = Job.state == "running"
    if is_postgres():
        stale &= Job.lease_until.is_null() | (Job.lease_until < now)
    return (
        Job.update(state="pending", attempts=_uncounted(), next_attempt_at=now, updated_at=now)
        .where(stale)
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


def counts_local() -> dict[str, int]:
    """Job counts of files not on a removable volume (what any machine can process)."""
    query = (
        Job.select(Job.state, fn.COUNT(Job.id).alias("n"))
        .where(Job.volume_uuid.is_null())
        .group_by(Job.state)
    )
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


def _mount_key(uuid: str) -> str:
    return f"volume.{uuid}.mount"


def remembered_mount(uuid: str) -> Path | None:
    """Where the volume was last mounted."""
    row = Setting.get_or_none(Setting.key == _mount_key(uuid))
    return Path(row.value) if row else None


def remember_mount(uuid: str, mount: Path) -> None:
    _remember(_mount_key(uuid), str(mount))


def _remember(key: str, value: str | None) -> None:
    if value is None:
        Setting.delete().where(Setting.key == key).execute()
        return
    Setting.insert(key=key, value=value).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: value}
    ).execute()


def remember_device(uuid: str, name: str, note: str | None = None) -> None:
    """What the family calls the volume or camera (its label and kind, or its model) and,
    when nothing could be read from it, what to do (shown on the status page)."""
    _remember(f"volume.{uuid}.device", name)
    _remember(f"volume.{uuid}.note", note)
