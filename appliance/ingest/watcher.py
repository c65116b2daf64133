"""Watching inbox folders: a file is handed on only once it is complete.

Local folders use inotify (close-after-write and moved-to events); network mounts use a
polling observer, which sees remote writes that inotify misses. Every event only *nominates*
a file; :class:`SettleTracker` releases it after its size and mtime stayed unchanged for the
settle time, it was closed after writing (or stayed quiet much longer), and no other process
holds a lock on it or has it open for writing. Locked files are simply retried later.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from appliance.ingest.discover import is_ignored_name, iter_media_files, special_file_reason

log = logging.getLogger(__name__)

QUIET_FACTOR = 10.0  # a file never seen closed is released after this many settle times
QUIET_MIN = 30.0


def lock_reason(path: Path) -> str | None:
    """Why ``path`` cannot be taken yet (unreadable, locked, open for writing), or None."""
    return writer_state(path)[0]


def writer_state(path: Path) -> tuple[str | None, bool]:
    """(why ``path`` cannot be taken yet or None, whether "no writer" was confirmed).

    The confirmation is a read lease, which the kernel grants only while no process has
    the file open for writing; it is impossible on network filesystems and for files the
    service neither owns nor holds CAP_LEASE for.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except PermissionError:
        return "not readable yet", False
    except OSError as exc:
        return f"cannot open ({exc.strerror})", False
    try:
        for kind, func in (("POSIX", fcntl.lockf), ("BSD", fcntl.flock)):
            try:
                func(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK):
                    return f"{kind} lock held by another process", False
                raise
            func(fd, fcntl.LOCK_UN)
        try:  # a read lease is refused while anyone has the file open for writing
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                return "still open for writing", False
            # EACCES/EPERM (not our file) or EINVAL (network fs): no lease check possible
            return None, False
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return None, True
    finally:
        os.close(fd)


@dataclass
class _Candidate:
    size: int
    mtime_ns: int
    since: float  # when size/mtime were last seen changing (or the file was last closed)
    closed: bool  # closed after writing, moved in, or found by a scan
    locked: str | None = None


class SettleTracker:
    """Thread-safe set of nominated files, released by :meth:`due` once complete."""

    def __init__(self, settle_seconds: float, clock: Callable[[], float] = time.monotonic):
        if settle_seconds < 0:
            raise ValueError("settle_seconds must be >= 0")
        self.settle = settle_seconds
        self.quiet = max(QUIET_MIN, QUIET_FACTOR * settle_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._files: dict[Path, _Candidate] = {}
        self.skipped: dict[str, str] = {}  # path -> why it is not imported (FIFO, socket...)

    def touch(self, path: Path, closed: bool) -> None:
        """Record an event for ``path``; ``closed`` says the writer has finished with it."""
        try:
            st = path.stat()
        except OSError:
            self.forget(path)
            return
        if not path.is_file():
            reason = special_file_reason(path)
            if reason:
                self.skip(path, reason)
            return
        now = self._clock()
        with self._lock:
            old = self._files.get(path)
            changed = old is None or (old.size, old.mtime_ns) != (st.st_size, st.st_mtime_ns)
            cand = _Candidate(
                size=st.st_size,
                mtime_ns=st.st_mtime_ns,
                since=now if (changed or closed or old is None) else old.since,
                closed=closed or (old is not None and old.closed and not changed),
            )
            self._files[path] = cand

    def skip(self, path: Path, reason: str) -> None:
        """Remember a file or folder that will not be imported, with the reason."""
        if str(path) not in self.skipped:
            log.warning("%s: %s", path, reason)
        with self._lock:
            self.skipped[str(path)] = reason

    def forget(self, path: Path) -> None:
        """Drop ``path`` (deleted or moved away); also everything below it."""
        with self._lock:
            for known in [p for p in self._files if p == path or p.is_relative_to(path)]:
                del self._files[known]

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)

    def waiting(self) -> dict[Path, str]:
        """Files still held back, with the reason (for the status page)."""
        with self._lock:
            return {
                p: c.locked or ("settling" if c.closed else "being written")
                for p, c in self._files.items()
            }

    def due(self) -> list[Path]:
        """Return (and stop tracking) every file that is complete now."""
        now = self._clock()
        with self._lock:
            items = list(self._files.items())
        ready: list[Path] = []
        for path, cand in items:
            try:
                st = path.stat()
            except OSError:
                self.forget(path)
                continue
            with self._lock:
                if self._files.get(path) is not cand:
                    continue  # an event replaced it meanwhile
                if (st.st_size, st.st_mtime_ns) != (cand.size, cand.mtime_ns):
                    cand.size, cand.mtime_ns, cand.since = st.st_size, st.st_mtime_ns, now
                    cand.closed = False
                    continue
                if now - cand.since < self.settle:
                    continue
            # A file never seen closed (created, or moved in from outside the inbox, which
            # inotify reports as a creation) is released after the settle time only when
            # the kernel confirms that no one has it open for writing; else after `quiet`.
            reason, confirmed = writer_state(path)
            unsure = not cand.closed and not confirmed and now - cand.since < self.quiet
            if reason is None and unsure:
                continue
            with self._lock:
                if self._files.get(path) is not cand:
                    continue
                if reason is not None:
                    if cand.locked != reason:
                        log.info("%s: %s; will retry", path, reason)
                    cand.locked, cand.since = reason, now
                    continue
                del self._files[path]
            ready.append(path)
        return ready


def _ignored(path: Path, roots: Iterable[Path]) -> bool:
    for root in roots:
        if path.is_relative_to(root):
            return any(is_ignored_name(part) for part in path.relative_to(root).parts)
    return True


class _Handler(FileSystemEventHandler):
    """Turns watchdog events into tracker nominations."""

    def __init__(self, tracker: SettleTracker, roots: list[Path], polling: bool):
        self.tracker, self.roots, self.polling = tracker, roots, polling

    def _nominate(self, raw: str | bytes, closed: bool, is_dir: bool) -> None:
        path = Path(os.fsdecode(raw))
        if _ignored(path, self.roots):
            return
        if is_dir:  # a folder dropped or moved in: its files will not all raise events
            for child in iter_media_files(path, self.tracker.skip):
                self.tracker.touch(child, closed=True)
        else:
            self.tracker.touch(path, closed=closed)

    def on_created(self, event: FileSystemEvent) -> None:
        self._nominate(event.src_path, self.polling, event.is_directory)

    def on_modified(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._nominate(event.src_path, self.polling, False)

    def on_closed(self, event: FileSystemEvent) -> None:
        self._nominate(event.src_path, True, False)

    def on_moved(self, event: FileSystemEvent) -> None:
        self.tracker.forget(Path(os.fsdecode(event.src_path)))
        self._nominate(event.dest_path, True, event.is_directory)

    def on_deleted(self, event: FileSystemEvent) -> None:
        self.tracker.forget(Path(os.fsdecode(event.src_path)))


class InboxWatcher:
    """Watches inbox folders (inotify, or polling for network mounts) for complete files."""

    def __init__(
        self,
        inboxes: Iterable[Path],
        poll_inboxes: Iterable[Path] = (),
        settle_seconds: float = 2.0,
        poll_interval: float = 5.0,
    ):
        self.inboxes = [Path(p).resolve() for p in inboxes]
        self.poll_inboxes = [Path(p).resolve() for p in poll_inboxes]
        self.tracker = SettleTracker(settle_seconds)
        self.poll_interval = poll_interval
        self._observers: list[BaseObserver] = []

    @property
    def roots(self) -> list[Path]:
        return self.inboxes + self.poll_inboxes

    def start(self) -> None:
        """Start the observers, then nominate every file already waiting in the inboxes."""
        for root in self.roots:
            if not root.is_dir():
                raise FileNotFoundError(f"inbox folder {root} does not exist")
        if self.inboxes:
            observer = Observer()
            for root in self.inboxes:
                observer.schedule(
                    _Handler(self.tracker, self.roots, False), str(root), recursive=True
                )
            self._observers.append(observer)
        if self.poll_inboxes:
            poller = PollingObserver(timeout=self.poll_interval)
            for root in self.poll_inboxes:
                poller.schedule(_Handler(self.tracker, self.roots, True), str(root), recursive=True)
            self._observers.append(poller)
        for observer in self._observers:
            observer.daemon = True
            observer.start()
        self.rescan()

    def rescan(self) -> int:
        """Nominate every media file present in the inboxes; return how many were seen.
        FIFOs, sockets and unreadable folders land in :attr:`skipped` with the reason."""
        seen = 0
        for root in self.roots:
            for path in iter_media_files(root, self.tracker.skip):
                self.tracker.touch(path, closed=True)
                seen += 1
        return seen

    @property
    def skipped(self) -> dict[str, str]:
        """Files and folders that are not imported, with the reason (status page)."""
        return self.tracker.skipped

    def due(self) -> list[Path]:
        """Complete files ready to import (each returned once per nomination)."""
        return self.tracker.due()

    def alive(self) -> bool:
        return all(o.is_alive() for o in self._observers)

    def stop(self) -> None:
        for observer in self._observers:
            observer.stop()
        for observer in self._observers:
            observer.join(timeout=5)
        self._observers.clear()

    def __enter__(self) -> InboxWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
