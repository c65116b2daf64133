"""Scale-out: two `shoebox worker` processes share one PostgreSQL catalogue and one library
folder; one is SIGKILLed mid-batch. Its claims expire and are redone by the other, and
nothing is doubled or lost."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import peewee as pw
import pytest
from pg_server import PostgresServer
from PIL import Image

from appliance.catalog import queue as job_queue
from appliance.catalog.db import Catalog
from appliance.catalog.models import File, Job, Photo
from appliance.library import Library

FILES = 24
LEASE = 4.0  # seconds: a killed worker's jobs come back quickly


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _photos(folder: Path, count: int) -> dict[Path, str]:
    """Noisy JPEGs (distinct content, a real decode each); path -> sha256."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(11)
    made = {}
    for i in range(count):
        pixels = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
        path = folder / f"IMG_{i:04d}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        made[path] = _sha256(path)
    return made


def _worker(library: Path, url: str, log: Path, batch: int = 3) -> subprocess.Popen:
    env = {
        **os.environ,
        "SHOEBOX_CONFIG": "",
        "SHOEBOX_CATALOG_URL": url,
        "SHOEBOX_LABELS": "0",
        "SHOEBOX_FACES": "0",
        "SHOEBOX_WORKERS": "1",
    }
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library), "worker"]
    command += ["--until-idle", "--batch", str(batch), "--lease", str(LEASE), "--poll", "0.3"]
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _claimed_by(process: subprocess.Popen) -> pw.Expression:
    return Job.claimed_by.endswith(f":{process.pid}")


def test_a_worker_refuses_a_local_sqlite_catalogue(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "appliance.cli", "--library", str(tmp_path), "worker"],
        env={**os.environ, "SHOEBOX_CONFIG": "", "SHOEBOX_CATALOG_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "postgresql://" in result.stderr
    assert not (tmp_path / "catalog.db").exists()


def test_two_workers_share_the_queue_and_a_killed_ones_jobs_are_redone(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    url = postgres.new_database("scaleout")
    sources = _photos(tmp_path / "shared-inbox", FILES)
    library = tmp_path / "library"  # the shared mount
    catalog = Catalog.open(url)
    for path in sources:
        stat = path.stat()
        job_queue.enqueue(path, "import", "copy", None, stat.st_size, stat.st_mtime)

    logs = tmp_path / "a.log", tmp_path / "b.log"
    a, b = _worker(library, url, logs[0]), _worker(library, url, logs[1])
    try:
        # kill A once it has finished something and holds claims of a batch in progress
        deadline = time.monotonic() + 180
        held: list[int] = []
        while time.monotonic() < deadline and a.poll() is None:
            done = Job.select().where(_claimed_by(a) & (Job.state == "done")).count()
            held = [j.id for j in Job.select().where(_claimed_by(a) & (Job.state == "running"))]
            if done and held:
                break
            time.sleep(0.05)
        assert held, f"worker A never held a claim mid-batch:\n{logs[0].read_text()}"
        a.send_signal(signal.SIGKILL)
        a.wait(30)
        assert b.wait(300) == 0, logs[1].read_text()
    finally:
        for process in (a, b):
            if process.poll() is None:
                process.kill()
                process.wait()

    assert job_queue.counts() == {
        "pending": 0,
        "running": 0,
        "done": FILES,
        "failed": 0,
        "paused": 0,
    }
    redone = Job.select().where(Job.id.in_(held))
    assert all(j.claimed_by.endswith(f":{b.pid}") for j in redone), "A's claims were not redone"
    assert Job.select().where(_claimed_by(a)).count() > 0  # A did part of the work
    # nothing doubled, nothing lost: one photo and one stored file per source content
    assert Photo.select().count() == FILES
    stored = sorted(f.sha256 for f in File.select())
    assert stored == sorted(sources.values())
    originals = Library(library).originals
    on_disk = [p for p in originals.rglob("*") if p.is_file() and ".incoming" not in p.parts]
    assert sorted(_sha256(p) for p in on_disk) == sorted(sources.values())
    assert not [p for p in (originals / ".incoming").rglob("*") if p.is_file()]
    assert not (library / "catalog.db").exists()  # the catalogue is the server's
    catalog.close()


def test_catalogue_urls_name_their_backend() -> None:
    from appliance.catalog.db import CatalogError, backend_of

    assert backend_of("sqlite:////srv/shoebox/catalog.db") == "sqlite"
    assert backend_of("postgresql://shoebox:pw@nas.local/shoebox") == "postgresql"
    with pytest.raises(CatalogError, match="postgresql://"):
        backend_of("mysql://nas.local/shoebox")
