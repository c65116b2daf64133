"""Volume jobs are keyed by filesystem UUID + path; timed-out files get another, longer try."""

from __future__ import annotations

import os
import time
from pathlib import Path

from appliance.catalog import queue as job_queue
from appliance.catalog.db import connect
from appliance.catalog.models import Job, utcnow
from appliance.config import Settings
from appliance.ingest import jobs, volumes
from appliance.ingest.runner import Ingestor
from appliance.ingest.workers import WorkerPool
from appliance.library import Library
from tests.service.test_daemon_crash import make_jpegs, sha256


def _same_names_sizes_and_times(card_a: Path, card_b: Path) -> dict[str, str]:
    """Pad both cards' JPEGs (after the end marker) to one size, give B the mtimes of A.

    The old path-based "unchanged" check skipped exactly such files for good.
    """
    files = sorted(card_a.rglob("*.jpg")) + sorted(card_b.rglob("*.jpg"))
    size = max(p.stat().st_size for p in files) + 16
    for path in files:
        data = path.read_bytes()
        path.write_bytes(data + bytes(size - len(data)))
    for a in sorted(card_a.rglob("*.jpg")):
        os.utime(card_b / a.relative_to(card_a), (1_600_000_000, 1_600_000_000))
        os.utime(a, (1_600_000_000, 1_600_000_000))
    return {str(p): sha256(p) for p in files}


def test_a_second_card_in_the_same_slot_is_never_taken_for_the_first(tmp_path: Path) -> None:
    """Card A pulled mid-import, card B (same names) in the same slot: all of both imported."""
    slot = tmp_path / "run/sda1"
    slot.parent.mkdir()
    make_jpegs(tmp_path / "a/DCIM/100CANON", 6, seed=1)
    make_jpegs(tmp_path / "b/DCIM/100CANON", 6, seed=2)
    contents = set(_same_names_sizes_and_times(tmp_path / "a", tmp_path / "b").values())
    assert len(contents) == 12
    settings = Settings(library=tmp_path / "lib", workers=1, labels=False, faces=False)
    library = Library(settings.library_root).ensure()
    with Ingestor(settings, library) as ingestor:
        (tmp_path / "a").rename(slot)
        report = volumes.queue_volume(slot, "AAAA-0001")
        assert report.queued == 6
        first = job_queue.claim_due(3, volume_uuid="AAAA-0001")
        jobs.execute(ingestor, first, volumes.volume_present)
        slot.rename(tmp_path / "a")  # card A pulled: its other jobs pause
        assert job_queue.pause_volume("AAAA-0001") == 3
        (tmp_path / "b").rename(slot)  # card B in the same slot, same file names
        report_b = volumes.queue_volume(slot, "BBBB-0002")
        assert report_b.queued == 6, "card B's files were taken for card A's"
        volumes.drain_volume(ingestor, "BBBB-0002", 2)
        slot.rename(tmp_path / "b")
        (tmp_path / "a").rename(slot)  # card A back: resumes, nothing doubled
        report_a = volumes.queue_volume(slot, "AAAA-0001")
        assert report_a.queued == 0 and report_a.resumed == 3
        volumes.drain_volume(ingestor, "AAAA-0001", 2)
    stored = [sha256(p) for p in library.originals.rglob("*") if p.is_file()]
    assert sorted(stored) == sorted(contents)  # every photo of both cards, none twice
    assert job_queue.counts("AAAA-0001")["done"] == 6 and job_queue.counts("BBBB-0002")["done"] == 6


def test_same_path_other_volume_gets_its_own_job(tmp_path: Path) -> None:
    connect(tmp_path / "catalog.db")
    path = "/run/shoebox/volumes/sda1/DCIM/100CANON/IMG_0001.JPG"
    first = job_queue.enqueue(path, "volume", "copy", "AAAA", 100, 1.0)
    job_queue.mark_done(first.id)
    assert job_queue.enqueue(path, "volume", "copy", "AAAA", 100, 1.0) is None  # same card
    assert job_queue.enqueue(path, "volume", "copy", "BBBB", 100, 1.0) is not None  # other card


def _sleep_for(_state: None, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _no_setup() -> None:
    return None


def test_an_item_may_get_a_longer_limit(tmp_path: Path) -> None:
    """The limit is per item: a retry of a timed-out file gets timeout * factor."""
    factors = {0.1: 1.0, 1.5: 4.0, 1.6: 1.0}
    with WorkerPool(2, _no_setup, (), _sleep_for, 1.0, lambda s: factors[s]) as pool:
        results = {item: (result, error) for item, result, error in pool.map_unordered(factors)}
    assert results[0.1] == (0.1, None)
    assert results[1.5] == (1.5, None)  # 4 s allowed
    assert results[1.6][1].startswith("timed out after 1 s")


def test_timed_out_volume_files_retry_longer_and_revive_when_the_volume_returns(
    tmp_path: Path,
) -> None:
    connect(tmp_path / "catalog.db")
    job = job_queue.enqueue("/v/a.jpg", "volume", "copy", "CARD", 1, 1.0)
    plugged = utcnow()
    factors = []
    for _ in range(job_queue.TIMEOUT_ATTEMPTS):
        (claimed,) = job_queue.claim_due(1, volume_uuid="CARD")
        factors.append(jobs.time_factor(claimed))
        job_queue.mark_timed_out(claimed, "timed out after 120 s")
    assert factors == [1.0, 2.0, 4.0]
    assert Job.get_by_id(job.id).state == "failed"
    assert job_queue.counts("CARD", plugged)["failed"] == 1
    time.sleep(0.01)
    next_plug = utcnow()
    assert job_queue.counts("CARD", next_plug)["failed"] == 0  # an earlier plug's failure
    assert job_queue.resume_volume("CARD") == 1  # the card returns: one more, longer try
    (claimed,) = job_queue.claim_due(1, volume_uuid="CARD")
    assert jobs.time_factor(claimed) == 8.0


def test_a_card_pulled_and_plugged_back_while_a_file_was_read_is_read_again(
    tmp_path: Path,
) -> None:
    """Pulled while a worker read one of its files and plugged back (a new mount) before the
    worker gave up: that file is read again from where it is now, never "vanished" (the VM
    test found this: an exFAT card re-plugged 6 s after the pull lost a photo)."""
    make_jpegs(tmp_path / "card/DCIM/100CANON", 2, seed=3)
    contents = {sha256(p) for p in (tmp_path / "card").rglob("*.jpg")}
    first_mount, second_mount = tmp_path / "run/sdb1_28", tmp_path / "run/sdb1_29"
    first_mount.parent.mkdir()
    (tmp_path / "card").rename(first_mount)
    settings = Settings(library=tmp_path / "lib", workers=1, labels=False, faces=False)
    library = Library(settings.library_root).ensure()
    with Ingestor(settings, library) as ingestor:
        volumes.queue_volume(first_mount, "CCCC-0003")
        being_read = job_queue.claim_due(1, volume_uuid="CCCC-0003")
        first_mount.rename(second_mount)  # pulled, and back under its next name
        volumes.queue_volume(second_mount, "CCCC-0003")  # the plug's import-volume
        jobs.execute(ingestor, being_read, lambda _uuid: True)
        assert job_queue.counts("CCCC-0003")["failed"] == 0
        volumes.drain_volume(ingestor, "CCCC-0003", 2)
    stored = {sha256(p) for p in library.originals.rglob("*") if p.is_file()}
    assert stored == contents
    assert job_queue.counts("CCCC-0003")["done"] == 2
