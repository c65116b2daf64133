"""`shoebox worker`: the ingest pipeline on another machine, against a shared catalogue.

The catalogue is on PostgreSQL (``catalog_url``) and the library folder is the same
network mount on every machine. A worker claims due jobs (never a removable volume's: that
card is plugged into the appliance), runs them through the same `Ingestor` as the daemon
and settles them. Claims are leases (`catalog.queue`): N workers on M machines never take
the same job, and the jobs of a worker that dies are claimed again once its lease runs out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from appliance.catalog.queue import LEASE_SECONDS, claim_due, claimant_id, counts_local
from appliance.config import Settings
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor
from appliance.library import Library

log = logging.getLogger(__name__)


class NotShared(RuntimeError):
    """The catalogue is a local SQLite file: there is nothing to share with a worker."""


@dataclass
class WorkerReport:
    claimant: str
    batches: int = 0
    jobs: int = 0
    added: int = 0
    failed: int = 0


def _never_present(_uuid: str) -> bool:
    return False  # a volume's card is on the appliance, not here


def run_worker(
    settings: Settings,
    stop: Callable[[], bool],
    batch_size: int = 4,
    until_idle: bool = False,
    poll: float = 5.0,
    lease: float = LEASE_SECONDS,
) -> WorkerReport:
    """Claim and process jobs until ``stop()`` (or, with ``until_idle``, until no job is
    pending or running anywhere: a dead peer's claims are waited for and redone)."""
    library = Library(settings.library_root, settings.catalog_url)
    if not library.catalog_on_server:
        raise NotShared(
            "shoebox worker needs the shared catalogue: set catalog_url (or "
            "SHOEBOX_CATALOG_URL) to the appliance's postgresql:// URL"
        )
    report = WorkerReport(claimant_id())
    with Ingestor(settings, library) as ingestor:
        log.info("worker %s: claiming jobs from the shared catalogue", report.claimant)
        while not stop():
            batch = claim_due(batch_size, claimant=report.claimant, lease=lease, local_only=True)
            if batch:
                outcomes = jobs.execute(ingestor, batch, _never_present, lease=lease)
                report.batches += 1
                report.jobs += len(batch)
                report.added += sum(o.status == "added" for o in outcomes)
                report.failed += sum(o.status == "failed" for o in outcomes)
                continue
            left = counts_local()
            if until_idle and not (left["pending"] or left["running"]):
                break
            # idle: finish copies a dead peer committed but never put in place
            ingestor.recover_incoming(settled=lease)
            time.sleep(poll)
        ingestor.recover_incoming(settled=lease)
    return report
