"""The background transcode queue: movies browsers cannot play, made playable once.

The queue is not stored anywhere: it is every catalogued movie with ``playback =
"transcode"`` whose transcode is neither in the cache nor recorded as failed. So it survives
restarts by construction (an interrupted transcode left only a ``.part`` file, which is
redone from the start), and it never writes to the catalog. Newest movies go first: they
are the ones the family opens now.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from appliance.catalog.files import movies_to_transcode
from appliance.catalog.models import File
from appliance.library import Library
from appliance.media import ffmpeg
from appliance.media.transcode import transcode
from appliance.media.videocache import VideoCache

log = logging.getLogger(__name__)

IDLE_WAIT = 30.0


@dataclass(frozen=True)
class Pending:
    """One movie waiting for its transcode."""

    sha256: str
    source: Path
    duration: float | None


def source_of(library: Library, file: File) -> Path:
    """The movie to transcode: a Motion Photo's extracted movie, or the file itself."""
    if file.kind != "video":
        return VideoCache(library.cache).motion(file.sha256)
    from appliance.originals import original_path  # one definition of "the served copy"

    return original_path(library, file)


def pending(library: Library) -> Iterator[Pending]:
    """Movies still waiting, newest first."""
    cache = VideoCache(library.cache)
    for file in movies_to_transcode():
        if cache.has_transcode(file.sha256) or cache.failure_reason(file.sha256):
            continue
        try:
            source = source_of(library, file)
        except (OSError, PermissionError):  # drive unplugged: try again on a later pass
            continue
        yield Pending(file.sha256, source, file.duration)


def run_one(library: Library, item: Pending, cancel: threading.Event | None = None) -> bool:
    """Transcode one movie; a failure is written beside it so it is not retried forever.
    Returns True when the playable file is in the cache."""
    cache = VideoCache(library.cache)
    try:
        done = transcode(item.source, cache.transcode(item.sha256), item.duration, cancel)
    except ffmpeg.FFmpegCancelled:
        return False
    except (ffmpeg.FFmpegError, OSError) as exc:
        log.warning("transcode of %s failed: %s", item.source, exc)
        failure = cache.failure(item.sha256)
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(str(exc) + "\n")
        return False
    log.info(
        "transcoded %s in %.1f s (peak %d MB)", item.source.name, done.seconds, done.peak_rss >> 20
    )
    return True


def run_pending(library: Library, cancel: threading.Event | None = None) -> tuple[int, int]:
    """Work through the queue once, one movie at a time; return (done, failed)."""
    done = failed = 0
    while not (cancel is not None and cancel.is_set()):
        item = next(pending(library), None)
        if item is None:
            break
        if run_one(library, item, cancel):
            done += 1
        elif not (cancel is not None and cancel.is_set()):
            failed += 1
    return done, failed


class TranscodeWorker:
    """The service's transcode thread: drains the queue, then looks again every
    :data:`IDLE_WAIT` seconds (or at once when :meth:`wake` is called after an import)."""

    def __init__(self, library: Library, present: Callable[[], bool] = lambda: True) -> None:
        """``present``: whether the library's disk is still the one opened (asked before each
        pass: a pulled disk's empty mount point must get no cache folders)."""
        self.library, self.present = library, present
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="transcode", daemon=True)

    def start(self) -> None:
        if not ffmpeg.available():
            log.warning("ffmpeg is not installed: videos that need a transcode will not play")
            return
        self.thread.start()

    def wake(self) -> None:
        self.wake_event.set()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                if self.present():
                    run_pending(self.library, self.stop_event)
            except Exception:  # noqa: BLE001 - the service must outlive one bad pass
                log.exception("transcode pass failed")
            self.wake_event.wait(IDLE_WAIT)
            self.wake_event.clear()
