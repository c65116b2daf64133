"""Reading the text of photos in the background: the daemon's idle time and `shoebox text`.

The reader runs in one worker process of its own (`ingest.workers.WorkerPool`): its models
take about 300 MB while it works, a picture that hangs it is killed after `PER_PHOTO_LIMIT`
seconds, and the process is stopped when the backlog is empty, giving the memory back. It
reads the viewer rendition the import already made (no second decode of the original);
videos and photos without one are recorded as read with nothing to say.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance.catalog import photo_text
from appliance.ingest.workers import WorkerFailure, WorkerPool
from appliance.media.thumbs import ThumbnailCache
from appliance.text import kinds
from appliance.text import words as text_words
from appliance.text.engine import Reading, TextEngine, TextEngineUnavailable, engine_name

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
PER_PHOTO_LIMIT = 60.0  # seconds; a Pi 4 reads a page of small print in about 10
IDLE_BUDGET = 20.0  # seconds of reading per call from the daemon's loop (its watchdog: 120)
GAP_WALK_EVERY = 3600.0  # seconds between walks for photos that lost their reading


MMAP_THRESHOLD = 128 * 1024  # bytes: bigger blocks are mapped, and unmapped when freed


def _load_engine(threads: int) -> TextEngine:
    """In the reader's process: glibc's heap keeps every buffer ONNX Runtime ever freed (a
    new shape with each picture: 610 MB peak over the judged pictures); blocks above
    `MMAP_THRESHOLD` are mapped instead and go back when freed (332 MB;
    bench/bench_text_engines.py, "-mmap")."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return TextEngine(threads=threads)


def _read(engine: TextEngine, path: str) -> Reading:
    return engine.read_file(Path(path))


class TextBackground:
    """Reads the backlog's photos a few at a time; one per library."""

    def __init__(self, cache_dir: Path, threads: int = 2) -> None:
        self.thumbs = ThumbnailCache(cache_dir)
        self.threads = threads
        self.pool: WorkerPool | None = None
        self.engine = engine_name()
        self.unavailable = False
        self.gaps_due = 0.0  # when to walk the photos below the highest read for gaps
        self.gap_cursor = 0

    def run_some(
        self, budget: float = IDLE_BUDGET, interrupt: Callable[[], bool] = lambda: False
    ) -> int:
        """Read photos of the backlog for about ``budget`` seconds, stopping between two
        photos as soon as ``interrupt()`` says other work waits (files to import); returns
        how many were read (0: nothing to do, or the reader cannot run here)."""
        if self.unavailable:
            return 0
        done, deadline = 0, time.monotonic() + budget
        while time.monotonic() < deadline and not interrupt():
            batch = self._next_batch()
            if not batch:
                self.close()  # give the models' memory back until there is work
                break
            for item in batch:
                self._read_one(item)
                done += 1
                if self.unavailable or time.monotonic() >= deadline or interrupt():
                    break
            if self.unavailable:
                break
        return done

    def run_all(self, report: Any = None) -> int:
        """Read the whole backlog (`shoebox text`)."""
        total = 0
        while done := self.run_some(budget=60.0):
            total += done
            if report:
                report(total)
        self.close()
        return total

    def _next_batch(self) -> list[photo_text.ToRead]:
        """New photos first (above the highest id read); then, at most hourly, the photos
        below it that lost their reading (`photo_text.forget`)."""
        batch = photo_text.backlog()
        if batch or time.monotonic() < self.gaps_due:
            return batch
        batch = photo_text.unread(after=self.gap_cursor)
        if batch:
            self.gap_cursor = batch[-1].photo_id
            return batch
        self.gap_cursor, self.gaps_due = 0, time.monotonic() + GAP_WALK_EVERY
        return []

    def _read_one(self, item: photo_text.ToRead) -> None:
        path = self._viewer(item)
        if path is None:  # a video, or no rendition: nothing to read
            photo_text.store(item.photo_id, "", self.engine)
            return
        reading, error = self._run(path)
        if reading is None:
            if error is not None:
                photo_text.store(item.photo_id, "", self.engine, error=error)
            return
        text = reading.text
        facts = photo_text.facts_of(item.photo_id, len(text_words.words(text)), reading.text_area)
        kind = kinds.kind_of(facts) if facts else None
        photo_text.store(item.photo_id, text, self.engine, kind=kind)

    def _viewer(self, item: photo_text.ToRead) -> Path | None:
        if item.kind == "video" or not item.sha256:
            return None
        try:
            path = self.thumbs.path(item.sha256, "viewer")
        except ValueError:
            return None
        return path if path.is_file() else None

    def _run(self, path: Path) -> tuple[Reading | None, str | None]:
        """The reading of one picture, or (None, why it failed); (None, None) when the
        reader cannot run at all (then nothing is recorded and text is left off)."""
        try:
            if self.pool is None:
                self.pool = WorkerPool(1, _load_engine, (self.threads,), _read, PER_PHOTO_LIMIT)
                self.pool.__enter__()
            for _item, reading, error in self.pool.map_unordered([str(path)]):
                return reading, error
        except WorkerFailure as exc:  # rapidocr missing, or its process dies starting
            if TextEngineUnavailable.__name__ in str(exc):
                log.warning("text recognition is off: %s", exc)
            else:
                log.error("the text reader cannot start; text is left off: %s", exc)
            self.unavailable = True
            self.close()
            return None, None
        return None, "the reader gave no answer"

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
