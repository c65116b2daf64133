"""Browser uploads a crash cut short (the service was killed while one arrived).

An upload is streamed to ``uploads/<token>/.<name>.part``, fsynced, renamed to ``<name>``
and then queued; only then is it answered. A kill between those steps leaves a partial file
(the sender got no answer and sends again: it is removed), or a whole file without its job
(it is queued now, so the family's file is never left unseen on the disk), or an empty
folder. The service sweeps them when it starts, before it serves.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from appliance.catalog import queue as job_queue
from appliance.catalog.timeline import UPLOAD_SOURCE

log = logging.getLogger(__name__)


@dataclass
class Swept:
    queued: int = 0
    partials_removed: int = 0
    folders_removed: int = 0


def sweep_cut_uploads(uploads: Path) -> Swept:
    """Queue whole files left without a job, remove partial files and empty folders."""
    swept = Swept()
    folders = sorted(
        p
        for p in (uploads.iterdir() if uploads.is_dir() else ())
        if p.is_dir()
        if not p.name.startswith(".")  # .chunks: phones' chunked transfers (phones.chunks)
    )
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if not path.is_file():
                continue
            if path.name.startswith(".") and path.name.endswith(".part"):
                with contextlib.suppress(OSError):
                    path.unlink()
                    swept.partials_removed += 1
                continue
            stat = path.stat()
            if job_queue.enqueue(path, UPLOAD_SOURCE, "move", None, stat.st_size, stat.st_mtime):
                swept.queued += 1  # an active or done job returns None: nothing new
        with contextlib.suppress(OSError):  # not empty: a queued or failed upload stays
            folder.rmdir()
            swept.folders_removed += 1
    if swept.queued or swept.partials_removed:
        log.info(
            "uploads cut short by a crash: %d whole files queued, %d partial files removed",
            swept.queued,
            swept.partials_removed,
        )
    return swept
