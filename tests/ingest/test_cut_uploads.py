"""Uploads a killed service left half-way (issue 28, found by the torture test): a whole
file without its job is queued, a partial file and an empty folder are removed."""

from __future__ import annotations

from pathlib import Path

from ingest_helpers import make_jpeg

from appliance.catalog import queue as job_queue
from appliance.catalog.db import open_catalog
from appliance.catalog.models import Job
from appliance.ingest.cut_uploads import sweep_cut_uploads
from appliance.library import Library


def test_the_sweep_queues_whole_files_and_removes_the_rest(tmp_path: Path) -> None:
    library = Library(tmp_path / "library").ensure()
    catalog = open_catalog(library.catalog_url)
    try:
        whole, cut, empty, queued = (library.uploads / name for name in "abcd")
        for folder in (whole, cut, empty, queued):
            folder.mkdir(parents=True)
        make_jpeg(whole / "photo.jpg", 1, "2020:01:02 03:04:05")
        (cut / ".photo.jpg.part").write_bytes(b"\xff\xd8 half a photo")
        make_jpeg(queued / "other.jpg", 2, "2020:01:02 03:04:05")
        stat = (queued / "other.jpg").stat()
        job_queue.enqueue(queued / "other.jpg", "upload", "move", None, stat.st_size, stat.st_mtime)

        swept = sweep_cut_uploads(library.uploads)

        assert (swept.queued, swept.partials_removed, swept.folders_removed) == (1, 1, 2)
        assert sorted(p.name for p in library.uploads.iterdir()) == ["a", "d"]
        paths = sorted(Path(j.path).name for j in Job.select() if j.state == "pending")
        assert paths == ["other.jpg", "photo.jpg"]
        assert sweep_cut_uploads(library.uploads).queued == 0  # once only
    finally:
        catalog.close()
