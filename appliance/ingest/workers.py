"""Worker processes with a per-item time limit.

Decoders and models run in separate processes: a file that makes a decoder hang is killed
after ``timeout`` seconds, one that crashes it (a segfault, the OOM killer) only costs that
worker; either way the item fails with a reason and a fresh worker takes its place.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)


MAX_START_FAILURES = 3
TIMED_OUT = "timed out"  # how a time-limit failure's reason starts


class WorkerFailure(RuntimeError):
    """The worker died or ran out of time on an item."""


def _worker_main(
    conn: Connection, setup: Callable[..., Any], setup_args: tuple, work: Callable
) -> None:
    try:
        state = setup(*setup_args)
    except Exception as exc:
        conn.send(("setup_error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        try:
            conn.send(("ok", work(state, item)))
        except Exception as exc:  # reported back; the item fails, the worker lives on
            log.debug("worker error: %s", traceback.format_exc())
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    item: Any = None
    started: float = 0.0  # when the item was sent to this (ready) worker
    limit: float = 0.0  # seconds the item may take
    ready: bool = False


class WorkerPool:
    """``size`` processes running ``work(state, item)``, where ``state = setup(*args)``."""

    def __init__(
        self,
        size: int,
        setup: Callable[..., Any],
        setup_args: tuple,
        work: Callable[[Any, Any], Any],
        timeout: float,
        time_factor: Callable[[Any], float] = lambda item: 1.0,
    ) -> None:
        self.size = max(1, size)
        self.setup, self.setup_args, self.work = setup, setup_args, work
        self.timeout = timeout
        self.time_factor = time_factor  # an item's limit is timeout * time_factor(item)
        self.context = mp.get_context("spawn")  # no inherited locks, threads or DB handles
        self.workers: list[_Worker] = []
        self.start_failures = 0  # consecutive workers that died before they were ready

    def __enter__(self) -> WorkerPool:
        self.workers = [self._spawn() for _ in range(self.size)]
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main,
            args=(child, self.setup, self.setup_args, self.work),
            daemon=True,
            name="shoebox-worker",
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _replace(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self.workers[self.workers.index(worker)] = self._spawn()

    def map_unordered(self, items: Iterable[Any]) -> Iterator[tuple[Any, Any, str | None]]:
        """Yield ``(item, result, error)`` for every item, in completion order."""
        pending = deque(items)
        busy = 0
        while pending or busy:
            for worker in self.workers:
                if worker.ready and worker.item is None and pending:
                    # The clock starts when a ready worker gets the item: a slow worker start
                    # (imports, model loading) never counts against a file.
                    worker.item, worker.started = pending.popleft(), time.monotonic()
                    worker.limit = self.timeout * max(1.0, self.time_factor(worker.item))
                    worker.conn.send(worker.item)
                    busy += 1
            waiting = {w.conn: w for w in self.workers}
            deadline = min(
                (w.started + w.limit for w in self.workers if w.item is not None),
                default=time.monotonic() + 1.0,
            )
            for conn in wait(list(waiting), timeout=max(0.0, deadline - time.monotonic())):
                worker = waiting[conn]
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    worker.process.join(1)
                    code = worker.process.exitcode
                    item = worker.item
                    if not worker.ready:
                        self.start_failures += 1
                        if self.start_failures >= MAX_START_FAILURES:
                            raise WorkerFailure(
                                f"worker processes die while starting (exit code {code}); "
                                "see the log above for the reason"
                            ) from None
                    self._replace(worker)
                    if item is not None:
                        busy -= 1
                        yield item, None, f"the decoder crashed on this file (exit code {code})"
                    continue
                if kind == "ready":
                    worker.ready = True
                    self.start_failures = 0
                    continue
                if kind == "setup_error":
                    raise WorkerFailure(f"a worker could not start: {payload}")
                item, worker.item = worker.item, None
                busy -= 1
                yield (item, payload, None) if kind == "ok" else (item, None, payload)
            now = time.monotonic()
            for worker in list(self.workers):
                if worker.item is not None and now - worker.started > worker.limit:
                    item, limit = worker.item, worker.limit
                    log.warning("worker stuck for %.0f s on %s; restarting it", limit, item)
                    self._replace(worker)
                    busy -= 1
                    yield item, None, f"{TIMED_OUT} after {limit:.0f} s"

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
            worker.conn.close()
        self.workers = []
