"""Who works on a library: two advisory locks in its root (never on catalog.db).

- ``service.lock`` is held by the running service (`shoebox run`) for its whole life: one
  service per library, and a sign to other processes that it is there.
- ``worker.lock`` is held by whichever process runs import jobs: the service, or a one-shot
  command (`import-volume` with no service, `rebuild`, `restore`). A one-shot import hands
  its jobs over as soon as it sees a service (between two batches); a service that starts
  while one holds the lock waits for it instead of failing (systemd would give up after
  five failed starts, leaving the family without the web page for a whole import).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from appliance.library import Library

WORKER_LOCK = "worker.lock"
SERVICE_LOCK = "service.lock"
PROBE_GRACE = 2.0  # seconds a service retries its lock while another process probes it


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def worker_lock(library: Library, wait: bool) -> Iterator[bool]:
    """Hold the library's worker lock (one process runs jobs); yields False if busy."""
    fd = _open(library.root / WORKER_LOCK)
    try:
        if wait:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
        else:
            yield _try_lock(fd)
    finally:
        os.close(fd)


@contextmanager
def service_lock(library: Library) -> Iterator[bool]:
    """Hold the service lock for the life of `shoebox run`; yields False when another
    service holds it. A probe (`service_running`) holds it for microseconds: retried."""
    fd = _open(library.root / SERVICE_LOCK)
    try:
        deadline = time.monotonic() + PROBE_GRACE
        mine = _try_lock(fd)
        while not mine and time.monotonic() < deadline:
            time.sleep(0.05)
            mine = _try_lock(fd)
        yield mine
    finally:
        os.close(fd)


def service_running(library: Library) -> bool:
    """True while a service holds the library's service lock."""
    try:
        fd = os.open(library.root / SERVICE_LOCK, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's shared lock
    return False
