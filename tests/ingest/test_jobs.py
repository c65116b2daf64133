"""The daemon's job queue on a real catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from appliance.catalog import queue as job_queue
from appliance.catalog.db import open_catalog
from appliance.catalog.models import Job, utcnow
from appliance.catalog.queue import LEASE_SECONDS


@pytest.fixture()
def catalog(tmp_path: Path):
    db = open_catalog(tmp_path / "catalog.db")
    yield db
    db.close()


def test_enqueue_does_not_duplicate_active_jobs(catalog) -> None:
    first = job_queue.enqueue("/in/a.jpg", "inbox", "move", size=10, mtime=1.0)
    assert first is not None
    assert job_queue.enqueue("/in/a.jpg", "inbox", "move", size=10, mtime=1.0) is None
    assert job_queue.enqueue("/in/a.jpg", "inbox", "move", size=20, mtime=2.0) is None
    assert Job.select().count() == 1
    assert Job.get_by_id(first.id).size == 20  # refreshed


def test_done_copy_jobs_are_not_queued_again_unless_the_file_changed(catalog) -> None:
    job = job_queue.enqueue("/vol/DCIM/a.jpg", "volume", "copy", "U1", 10, 1.0)
    job_queue.mark_done(job.id)
    assert job_queue.enqueue("/vol/DCIM/a.jpg", "volume", "copy", "U1", 10, 1.0) is None
    assert job_queue.enqueue("/vol/DCIM/a.jpg", "volume", "copy", "U1", 11, 2.0) is not None


def test_a_moved_file_still_in_the_inbox_is_queued_again(catalog) -> None:
    """Killed after the commit but before the source was deleted: finish the move."""
    job = job_queue.enqueue("/in/a.jpg", "inbox", "move", size=10, mtime=1.0)
    job_queue.mark_done(job.id)
    assert job_queue.enqueue("/in/a.jpg", "inbox", "move", size=10, mtime=1.0) is not None


def test_unknown_policy_is_refused(catalog) -> None:
    with pytest.raises(ValueError, match="policy"):
        job_queue.enqueue("/in/a.jpg", "inbox", "shred")


def test_claim_due_marks_running_oldest_first_and_respects_the_limit(catalog) -> None:
    ids = [job_queue.enqueue(f"/in/{i}.jpg", "inbox", "move").id for i in range(5)]
    claimed = job_queue.claim_due(3)
    assert [j.id for j in claimed] == ids[:3]
    assert all(j.state == "running" and j.attempts == 1 for j in claimed)
    assert job_queue.counts()["running"] == 3 and job_queue.counts()["pending"] == 2
    assert [j.id for j in job_queue.claim_due(10)] == ids[3:]
    assert job_queue.claim_due(10) == []


def test_failures_back_off_then_give_up(catalog) -> None:
    job = job_queue.enqueue("/in/a.jpg", "inbox", "move")
    now = utcnow()
    delays = []
    for attempt in range(1, job_queue.MAX_ATTEMPTS + 1):
        (claimed,) = job_queue.claim_due(1, now=now + dt.timedelta(days=attempt))
        assert claimed.attempts == attempt
        state = job_queue.mark_failed(job.id, "locked", now=now)
        row = Job.get_by_id(job.id)
        if attempt < job_queue.MAX_ATTEMPTS:
            assert state == "pending"
            delays.append((row.next_attempt_at - now).total_seconds())
            assert job_queue.claim_due(1, now=now) == []  # not due yet
        else:
            assert state == "failed" and row.error == "locked"
    assert delays == [10.0, 20.0, 40.0, 80.0]


def test_retry_later_does_not_count_an_attempt(catalog) -> None:
    job = job_queue.enqueue("/in/a.jpg", "inbox", "move")
    job_queue.claim_due(1)
    job_queue.retry_later(job.id, 5, "still locked")
    row = Job.get_by_id(job.id)
    assert (row.state, row.attempts, row.error) == ("pending", 0, "still locked")
    assert 0 < job_queue.next_due_in() <= 5


def test_reset_running_after_a_crash(catalog, catalog_backend: str) -> None:
    for i in range(3):
        job_queue.enqueue(f"/in/{i}.jpg", "inbox", "move")
    job_queue.claim_due(2)
    if catalog_backend == "postgresql":  # shared: live claims are another worker's
        assert job_queue.reset_running() == 0
        later = utcnow() + dt.timedelta(seconds=LEASE_SECONDS + 1)
        assert job_queue.reset_running(now=later) == 2
    else:  # one process runs jobs: whatever is running was left by a crash
        assert job_queue.reset_running() == 2
    assert job_queue.counts()["pending"] == 3
    assert {j.attempts for j in Job.select()} == {0}


def test_pause_and_resume_by_volume_uuid_rebases_paths(catalog, tmp_path: Path) -> None:
    old, new = tmp_path / "sdb1", tmp_path / "sdc1"
    a = job_queue.enqueue(old / "DCIM/a.jpg", "volume", "copy", "CAFE-01")
    job_queue.enqueue(old / "DCIM/b.jpg", "volume", "copy", "CAFE-01")
    other = job_queue.enqueue("/in/c.jpg", "inbox", "move")
    job_queue.claim_due(1)  # a is running when the stick is pulled
    assert job_queue.pause_volume("CAFE-01") == 2
    assert Job.get_by_id(other.id).state == "pending"
    assert job_queue.counts("CAFE-01")["paused"] == 2
    assert Job.get_by_id(a.id).attempts == 0
    assert job_queue.resume_volume("CAFE-01", new, old) == 2
    assert {Path(j.path) for j in Job.select().where(Job.volume_uuid == "CAFE-01")} == {
        new / "DCIM/a.jpg",
        new / "DCIM/b.jpg",
    }
    assert job_queue.counts("CAFE-01")["pending"] == 2
    assert job_queue.resume_volume("OTHER") == 0


def test_status_report_counts_queue_errors_and_volumes(catalog, tmp_path: Path) -> None:
    from appliance.library import Library
    from appliance.status import format_report, status_report

    done = job_queue.enqueue("/in/a.jpg", "inbox", "move")
    job_queue.mark_done(done.id)
    broken = job_queue.enqueue("/in/b.jpg", "inbox", "move")
    job_queue.claim_due(1)
    job_queue.mark_failed(broken.id, "cannot read the file: locked")
    job_queue.enqueue("/vol/DCIM/c.jpg", "volume", "copy", "CAFE-01")
    report = status_report(Library(tmp_path))
    assert report["daemon"]["alive"] is False
    assert report["queue"]["done"] == 1 and report["queue"]["pending"] == 2
    assert report["recent_errors"][0]["path"] == "/in/b.jpg"
    assert report["sources"] == [
        {
            "kind": "volume",
            "uuid": "CAFE-01",
            "jobs": {"pending": 1},
            "outcomes": {},
            "mount": None,
            "device": None,
            "note": None,
        }
    ]
    assert report["rate_per_second"] > 0 and report["eta_seconds"] is not None
    assert "queue: pending 2, running 0, done 1" in format_report(report)
