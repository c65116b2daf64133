"""Running the job queue's claimed jobs through the pipeline.

The queue itself (enqueue, claim with leases, settle, pause and resume a volume) is the
catalogue's: `appliance.catalog.queue`, which the daemon, the volume importer and the
worker call directly. Rows left ``running`` by a crash are claimed again (reset at
start-up, or their lease runs out); the pipeline makes re-running safe.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from appliance.catalog.models import Job
from appliance.catalog.queue import (
    LEASE_SECONDS,
    TIMED_OUT,
    LeaseKeeper,
    mark_failed,
    mark_given_up,
    mark_timed_out,
    mark_vanished,
    pause_volume,
    requeue_if_moved,
    still_running,
)
from appliance.catalog.timeline import UPLOAD_SOURCE
from appliance.errors import DISK_FULL
from appliance.records import FileTask, Outcome

if TYPE_CHECKING:
    from appliance.ingest.runner import Ingestor


def time_factor(job: Job) -> float:
    """How many times ``per_file_timeout`` a job may take: doubled after each timeout (max 8)."""
    if not (job.error or "").startswith(TIMED_OUT):
        return 1.0
    return float(min(8, 2 ** max(0, job.attempts - 1)))


def execute(
    ingestor: Ingestor,
    batch: list[Job],
    volume_present: Callable[[str], bool],
    progress: Callable[[Outcome], None] | None = None,
    lease: float = LEASE_SECONDS,
) -> list[Outcome]:
    """Run claimed jobs through the pipeline and settle every one of them.

    The pipeline marks jobs done (or failed for good) in the same transaction as their
    photo. Transient failures are retried with back-off, unless the file's volume went
    away: then the whole volume is paused until it returns.
    """
    tasks = [
        FileTask(
            Path(j.path),
            j.source,
            j.policy,  # type: ignore[arg-type]
            j.volume_uuid,
            j.id,
            time_factor(j),
            j.owner_id,
        )
        for j in batch
    ]
    with LeaseKeeper(batch, lease):  # a shared catalogue: keep our claims while we work
        outcomes = ingestor.process(tasks, progress) if tasks else []
    by_id = {j.id: j for j in batch}
    for outcome in outcomes:
        job = by_id.get(outcome.task.job_id)
        if job is None or outcome.status != "failed" or not outcome.transient:
            continue
        if job.volume_uuid and not volume_present(job.volume_uuid):
            pause_volume(job.volume_uuid, "volume removed; waiting for it to return")
        elif job.volume_uuid and requeue_if_moved(job):
            continue  # pulled and plugged back while it was read: read again where it is
        elif job.volume_uuid and (outcome.error or "").startswith(TIMED_OUT):
            mark_timed_out(job, outcome.error or TIMED_OUT)
        elif not Path(job.path).exists():
            mark_vanished(job.id)
        elif job.source == UPLOAD_SOURCE and (outcome.error or "").startswith(DISK_FULL):
            _give_up_upload(job)
        else:
            mark_failed(job.id, outcome.error or "transient error")
    for job_id in still_running(by_id):  # never leave a claimed job running
        mark_failed(job_id, "the pipeline returned no outcome")
    return outcomes


def _give_up_upload(job: Job) -> None:
    """A browser upload the full disk cannot take: failed with that reason, and its file
    and folder (``uploads/<token>/``) removed, which gives the disk its room back."""
    mark_given_up(job.id, DISK_FULL)
    path = Path(job.path)
    with contextlib.suppress(OSError):
        path.unlink()
        path.parent.rmdir()
