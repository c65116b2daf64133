"""The long-running appliance service behind `shoebox run`.

Main loop: complete inbox files become jobs (policy "move"), due jobs go through the
:class:`~appliance.ingest.runner.Ingestor` in small batches, systemd hears READY, WATCHDOG
and STATUS, and the web UI is served by waitress in a thread. SIGTERM finishes the current
batch and exits cleanly; SIGKILL at any moment is safe too (jobs left running are reset at
the next start and the pipeline makes re-running them harmless).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from appliance.catalog import queue as job_queue
from appliance.catalog.backups import BackupSchedule
from appliance.catalog.exceptions import DatabaseError
from appliance.catalog.fields import shown
from appliance.catalog.health import CatalogHealth, check_catalog
from appliance.config import Settings
from appliance.errors import ShoeboxError
from appliance.ingest import jobs
from appliance.library import Library
from appliance.library_locks import service_lock, worker_lock
from appliance.records import Outcome

log = logging.getLogger(__name__)

STATUS_FILE = "daemon.json"
IDLE_WAIT = 0.25  # seconds between queue polls when idle
STATUS_EVERY = 2.0
WEB_THREADS = 12
LIBRARY_CHECK_EVERY = 5.0  # seconds between checks that a library disk is still there
# A batch may take the sum of its files' time limits plus this (worker (re)starts, commits)
# before the systemd watchdog stops being fed for it.
BATCH_ALLOWANCE = 120.0
RECOVER_EVERY = 20.0  # seconds between idle looks at .incoming on a shared catalogue
HANDOVER_POLL = 0.5  # seconds between tries of the worker lock while a command holds it


class LibraryLost(RuntimeError):
    """The library's disk went away while the service was using it."""


class Notifier:
    """sd_notify(3) without a dependency: datagrams to $NOTIFY_SOCKET (no-op without it)."""

    def __init__(self, address: str | None = None) -> None:
        address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):
            address = "\0" + address[1:]  # abstract namespace
        self.address = address or None
        self._sock: socket.socket | None = None
        if self.address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def notify(self, **fields: str | int) -> bool:
        """Send ``KEY=value`` lines (e.g. READY=1, STATUS=...); False when not under systemd."""
        if self._sock is None or self.address is None:
            return False
        message = "\n".join(f"{key.upper()}={value}" for key, value in fields.items())
        try:
            self._sock.sendto(message.encode("utf-8", "replace"), self.address)
        except OSError as exc:
            log.debug("sd_notify failed: %s", exc)
            return False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def write_status(library: Library, data: dict[str, Any]) -> None:
    """Publish the daemon's live state for `shoebox status` and the web UI (atomic)."""
    target = library.root / STATUS_FILE
    partial = target.with_name(f".{STATUS_FILE}.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(json.dumps(data, default=str), encoding="utf-8")
    os.replace(partial, target)


def placeholder_app(environ: dict, start_response: Callable) -> list[bytes]:
    """Served until the real web UI exists: says the service is up."""
    body = b"Shoebox is running. The web interface is not installed.\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def web_app(settings: Settings) -> Callable:
    """The WSGI app to serve: the web UI when available, else a placeholder."""
    try:
        from appliance.web import create_app  # type: ignore[attr-defined]
    except ImportError:
        log.warning("appliance.web.create_app is not available; serving a placeholder")
        return placeholder_app
    return create_app(settings)


class PortInUse(ShoeboxError):
    """The web UI's port is taken by another program."""


class WebServer:
    """waitress in a background thread (never Flask's development server)."""

    def __init__(self, settings: Settings, app: Callable | None = None) -> None:
        from waitress.server import create_server

        # Live-update streams (/api/v1/live) hold a thread each for up to half a minute:
        # enough threads that pages never queue behind them, and waitress's "Task queue
        # depth" notices (a busy moment, not a fault) stay out of the default log.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        app = app or web_app(settings)
        proxy = {
            "trusted_proxy": settings.trusted_proxy,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
        try:
            self.server = create_server(
                app,
                host=settings.host,
                port=settings.port,
                threads=WEB_THREADS,
                **(proxy if settings.trusted_proxy else {}),
            )
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"port {settings.port} on {settings.host} is already in use: is Shoebox already "
                "running (another `make run`, or the shoebox service)? Stop it, or start this "
                f"one on another port: shoebox run --port {settings.port + 1}"
            ) from None
        if hasattr(app, "session_interface"):  # the Flask app (not the placeholder)
            from appliance.phones.devices import recently_verified
            from appliance.web import gate

            gate.install(
                self.server,
                gate.Gate(settings.upload_max_mb, gate.flask_session_check(app), recently_verified),
            )
        self.thread = threading.Thread(target=self._serve, name="web", daemon=True)

    def _serve(self) -> None:
        with suppress(OSError):  # closed during shutdown
            self.server.run()

    def start(self) -> None:
        self.thread.start()
        log.info("web UI on http://%s:%s/", self.server.effective_host, self.server.effective_port)

    def stop(self) -> None:
        self.server.close()
        self.thread.join(timeout=5)


class Daemon:
    """One service run: watch, queue, process, report."""

    def __init__(self, settings: Settings, web: bool = True) -> None:
        self.settings = settings
        self.web = web
        self.library = Library(
            settings.library_root, settings.catalog_url
        )  # ensured once its disk is there
        self.stop_event = threading.Event()
        self.notifier = Notifier()
        self.started = time.time()
        self.current: list[str] = []
        self.processed = 0
        self._last_status = 0.0
        self.skipped: dict[str, str] = {}  # path -> why it is not imported (FIFO, unreadable)
        self.backups: Any = None
        self.moving_in: Any = None  # migrate.requests.MovingIn once the catalogue is open
        self.transcoder: Any = None  # ingest.transcoding.TranscodeWorker while running
        self.text_reader: Any = None  # text.background.TextBackground while running
        self._last_library_check = 0.0
        self._last_recovery = 0.0
        self.served: Any = None  # library_disk.LibraryState of the mount being served

    def request_stop(self, *_: object) -> None:
        """SIGTERM/SIGINT. The handler runs in the main thread, which may be inside
        ``stop_event.wait()`` holding the event's (non-reentrant) lock: setting the event
        right here could deadlock the service on its way out, so another thread sets it."""
        threading.Thread(target=self.stop_event.set, name="stop", daemon=True).start()

    def _install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; return the exit code.

        Without its library disk the service waits (and says so) instead of failing; when
        the disk goes away while running, it drops everything it holds on it and waits again.
        """
        self._install_signals()
        code = 0
        while not self.stop_event.is_set() and self.wait_for_library():
            try:
                code = self._serve_library()
                break
            except LibraryLost as exc:
                log.warning("%s; stopped working on the library until it returns", exc)
        self.notifier.close()
        return code

    def wait_for_library(self) -> bool:
        """Block until the library can be used (True) or a stop is requested (False).

        Meanwhile the web port answers with a plain "waiting for the library disk" page (no
        setup, no sign-in) and systemd's STATUS says the same; the watchdog keeps being fed.
        """
        from appliance.library_disk import library_state, waiting_app

        state = library_state(self.settings, writable=True)
        if state.available:
            return True
        log.warning("%s", state.reason)
        server = WebServer(self.settings, waiting_app(state.reason)) if self.web else None
        if server:
            server.start()
        try:
            while not state.available:
                self.notifier.notify(ready=1, status=state.reason, watchdog=1)
                if self.stop_event.wait(2.0):
                    return False
                state = library_state(self.settings, writable=True)
        finally:
            if server:
                server.stop()
        log.info("library at %s is available", self.library.root)
        return True

    def check_library(self, force: bool = False) -> None:
        """Raise :class:`LibraryLost` when the library's disk is gone or was plugged in
        again since this run opened it (checked every few s)."""
        from appliance.library_disk import same_mount

        now = time.monotonic()
        if not force and now - self._last_library_check < LIBRARY_CHECK_EVERY:
            return
        self._last_library_check = now
        state = same_mount(self.settings, self.served)
        if not state.available:
            raise LibraryLost(state.reason)

    def _library_here(self) -> bool:
        """Whether the library this run opened is still mounted (always, off a disk): asked
        right before the service writes a file of its own at the library's root."""
        if not self.settings.library_disk or self.served is None:
            return True
        from appliance.library_disk import same_mount

        return same_mount(self.settings, self.served).available

    def _serve_library(self) -> int:
        """Watch, import and serve one available library until stopped or its disk goes."""
        from appliance.library_disk import library_state

        self.served = library_state(self.settings)  # the mount this run opens
        self.library.ensure()
        for inbox in self.settings.inboxes + self.settings.poll_inboxes:
            Path(inbox).mkdir(parents=True, exist_ok=True)
        with service_lock(self.library) as alone:
            if not alone:
                log.error("another shoebox process is serving %s", self.library.root)
                return 3
            return self._serve_locked_library()

    def _serve_locked_library(self) -> int:
        """`_serve_library` once this process is the library's only service."""
        from appliance.catalog.models import database_proxy
        from appliance.catalog.sidecars import SidecarFlusher
        from appliance.ingest.cut_uploads import sweep_cut_uploads
        from appliance.ingest.runner import Ingestor
        from appliance.ingest.transcoding import TranscodeWorker
        from appliance.ingest.volumes import volume_present
        from appliance.ingest.watcher import InboxWatcher
        from appliance.library_disk import same_mount
        from appliance.migrate.requests import MovingIn
        from appliance.phones.chunks import expire as expire_transfers
        from appliance.text.background import TextBackground

        with self._worker_lock() as mine:
            if not mine:
                return 0  # stopped while waiting for the lock
            health = check_catalog(self.library)
            if not health.ok:
                return self._serve_lost(health)
            with Ingestor(self.settings, self.library) as ingestor:
                if not self.library.catalog_on_server:  # a server's backups are its own
                    self.backups = BackupSchedule(self.library.catalog_path, self.library.backups)
                self.moving_in = MovingIn(self.library.root)
                reset = job_queue.reset_running()
                if reset:
                    log.info("%d jobs interrupted by a crash are queued again", reset)
                sweep_cut_uploads(self.library.uploads)
                expire_transfers(self.library.uploads)  # phones' chunked uploads left for days
                watcher = InboxWatcher(
                    self.settings.inboxes, self.settings.poll_inboxes, self.settings.settle_seconds
                )
                watcher.start()
                server = WebServer(self.settings) if self.web else None
                if server:
                    server.start()
                # decisions -> XMP sidecars, debounced
                flusher = SidecarFlusher(self.library, present=self._library_here)
                flusher.start()
                self.transcoder = TranscodeWorker(self.library, present=self._library_here)
                self.transcoder.start()
                if self.settings.text:
                    threads = min(self.settings.threads or 2, 2)  # the web keeps a core
                    self.text_reader = TextBackground(self.library.cache, threads)
                self.notifier.notify(ready=1, status="watching")
                log.info("watching %s", ", ".join(map(str, watcher.roots)) or "no inbox")
                lost = False
                try:
                    self._loop(ingestor, watcher, volume_present)
                except LibraryLost:
                    lost = True
                    raise
                except (OSError, DatabaseError) as exc:
                    state = same_mount(self.settings, self.served)
                    lost = not state.available  # the disk went: wait for it, never crash
                    if lost:
                        raise LibraryLost(state.reason) from exc
                    raise
                finally:
                    if not lost:
                        self.notifier.notify(stopping=1, status="stopping")
                    watcher.stop()
                    if self.moving_in:
                        self.moving_in.stop()
                    if self.transcoder:
                        self.transcoder.stop()
                    if self.text_reader:
                        self.text_reader.close()
                    if server:
                        server.stop()
                    flusher.stop(final_flush=not lost)  # a pulled disk: written when back
                    self.current = []
                    if not lost:  # never write into the empty mount point of a pulled disk
                        self._publish(force=True, state="stopped")
                    with suppress(Exception):
                        database_proxy.close()
        return 0

    @contextmanager
    def _worker_lock(self) -> Iterator[bool]:
        """The worker lock, waited for while a one-shot command (`import-volume` with no
        service, `rebuild`, `restore`) holds it: an import hands its jobs over between two
        batches. systemd hears that the service is alive meanwhile. False: stopped first."""
        waited = False
        while True:
            with worker_lock(self.library, wait=False) as mine:
                if mine or self.stop_event.is_set():
                    if waited and mine:
                        log.info("the other process handed the library over")
                    yield mine
                    return
            if not waited:
                log.info("another shoebox command is working on the library; waiting for it")
                waited = True
            self.notifier.notify(
                status="waiting for another shoebox command to finish",
                watchdog=1,
                extend_timeout_usec=int(2 * HANDOVER_POLL * 1_000_000),
            )
            self.stop_event.wait(HANDOVER_POLL)

    def _serve_lost(self, health: CatalogHealth) -> int:
        """The catalog is lost: import nothing, open no setup; say so (log, systemd
        STATUS, the web page) until stopped. `shoebox restore` or `rebuild` brings it back."""
        log.error("%s", health.message)
        server = WebServer(self.settings) if self.web else None
        if server:
            server.start()
        status = f"catalog lost ({health.reason}): run shoebox restore or shoebox rebuild"
        self.notifier.notify(ready=1, status=status)
        try:
            while not self.stop_event.is_set():
                self._publish(force=True, state="catalog lost", problem=health.message)
                self.notifier.notify(watchdog=1)
                self.stop_event.wait(STATUS_EVERY)
        finally:
            self.notifier.notify(stopping=1, status="stopping")
            if server:
                server.stop()
            self._publish(force=True, state="stopped")
        return 0

    def _loop(self, ingestor: Any, watcher: Any, volume_present: Callable[[str], bool]) -> None:
        batch_size = max(1, self.settings.workers * 2)
        while not self.stop_event.is_set():
            self.check_library()
            self.enqueue_inbox_files(watcher.due())
            self.skipped.update(watcher.skipped)
            batch = job_queue.claim_due(batch_size)
            if batch:
                self.check_library(force=True)  # copies go onto the disk, never in its place
                self.current = [j.path for j in batch]
                self._publish(force=True)
                with self._heartbeat(self._batch_limit(batch)):
                    self._run_batch(ingestor, batch, volume_present)
                if self.transcoder:
                    self.transcoder.wake()  # new movies may need a transcode
                self.current = []
                self._publish(force=True)  # a finished batch is news: no stale "working on"
            elif not self._place_some_photos() and not self._read_some_text(
                lambda: bool(len(watcher.tracker)) or job_queue.next_due_in() == 0
            ):
                self._finish_interrupted_copies(ingestor)
                self.stop_event.wait(IDLE_WAIT)
            if self.backups and self.backups.due():
                self.check_library(force=True)  # never back up into a pulled disk's place
                self.backups.run_if_due()
            if self.moving_in:
                self.moving_in.run_if_due()  # an export an admin asked for on the web
            self.notifier.notify(watchdog=1)
            self._publish(waiting=len(watcher.tracker))

    def _finish_interrupted_copies(self, ingestor: Any) -> None:
        """Idle time on a shared (PostgreSQL) catalogue: put in place the copies a killed
        run committed but never moved out of .incoming. At start-up they are still too young
        to tell from a live peer's (`Ingestor.recover_incoming`); here they come of age."""
        if not self.library.catalog_on_server:
            return  # SQLite: one process, finished at start-up
        now = time.monotonic()
        if now - self._last_recovery >= RECOVER_EVERY:
            self._last_recovery = now
            ingestor.recover_incoming()

    def _run_batch(
        self, ingestor: Any, batch: list[Any], volume_present: Callable[[str], bool]
    ) -> None:
        """Process one batch; whatever goes wrong fails those jobs, never the service."""
        try:
            outcomes = jobs.execute(ingestor, batch, volume_present, self._on_outcome)
        except Exception as exc:  # noqa: BLE001 - contained: the service goes on
            log.exception("a batch failed unexpectedly; its files are retried later")
            for job in batch:
                with suppress(Exception):
                    job_queue.mark_failed(job.id, f"unexpected error: {type(exc).__name__}: {exc}")
            return
        if self.backups and any(o.status in ("added", "duplicate", "restored") for o in outcomes):
            self.backups.note_change()

    def _place_some_photos(self) -> int:
        """Idle time: geocode a batch of photos catalogued before places existed."""
        from appliance.catalog.places import backfill

        try:
            return backfill()
        except (OSError, ValueError) as exc:
            log.error("places: background geocoding failed: %s", exc)
            return 0

    def _read_some_text(self, interrupt: Callable[[], bool]) -> int:
        """Idle time: read the text of a few photos, in id order, until ``interrupt()``
        says files wait to be imported (those always go first)."""
        if not self.text_reader:
            return 0
        from appliance.text.background import IDLE_BUDGET, PER_PHOTO_LIMIT

        try:
            with self._heartbeat(IDLE_BUDGET + PER_PHOTO_LIMIT + BATCH_ALLOWANCE):
                return self.text_reader.run_some(interrupt=interrupt)
        except (OSError, ValueError) as exc:
            log.error("text: background reading failed: %s", exc)
            return 0

    def _batch_limit(self, batch: list[Any]) -> float:
        """The longest a batch may hold the main loop: every file's time limit (a retried
        file has a longer one) plus an allowance for worker (re)starts."""
        limits = (self.settings.per_file_timeout * jobs.time_factor(job) for job in batch)
        return sum(limits) + BATCH_ALLOWANCE

    @contextmanager
    def _heartbeat(self, limit: float = BATCH_ALLOWANCE) -> Iterator[None]:
        """Keep the published heartbeat and the systemd watchdog fresh while one batch holds
        the main loop, for at most ``limit`` seconds.

        A batch of long files (a retried file's limit is several times per_file_timeout) may
        legitimately outlast WatchdogSec; the worker pool enforces each file's limit. Past
        ``limit`` those limits have failed: the watchdog is no longer fed, so a hung
        pipeline is still caught and restarted.
        """
        done = threading.Event()
        deadline = time.monotonic() + limit

        def beat() -> None:
            while not done.wait(STATUS_EVERY):
                with suppress(OSError):
                    self._publish(force=True)
                if time.monotonic() < deadline:
                    self.notifier.notify(watchdog=1)

        thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    def enqueue_inbox_files(self, paths: list[Path]) -> int:
        queued = 0
        for path in paths:
            try:
                st = path.stat()
                job = job_queue.enqueue(path, "inbox", "move", None, st.st_size, st.st_mtime)
            except OSError:
                continue
            except Exception as exc:  # noqa: BLE001 - one odd file never stops the service
                log.exception("could not queue %s", shown(path))
                self.skipped[str(path)] = f"could not be queued: {type(exc).__name__}: {exc}"
                continue
            queued += job is not None
        return queued

    def _on_outcome(self, outcome: Outcome) -> None:
        self.processed += 1
        path = str(outcome.task.path)
        if path in self.current:
            self.current.remove(path)
        self.notifier.notify(watchdog=1)
        self._publish()

    def _publish(self, force: bool = False, **extra: Any) -> None:
        now = time.time()
        if not force and now - self._last_status < STATUS_EVERY:
            return
        self._last_status = now
        data = {
            "pid": os.getpid(),
            "state": "running",
            "started": self.started,
            "heartbeat": now,
            "inboxes": [str(p) for p in self.settings.inboxes],
            "poll_inboxes": [str(p) for p in self.settings.poll_inboxes],
            "current": list(self.current),
            "processed": self.processed,
            "skipped": [{"path": p, "reason": r} for p, r in list(self.skipped.items())[:50]],
        }
        data.update(extra)
        if not self._library_here():
            return  # the disk was pulled: its empty mount point gets no status file
        write_status(self.library, data)
        text = f"{self.processed} files processed"
        if self.current:
            text += f"; working on {shown(Path(self.current[0]).name)}"
        self.notifier.notify(status=text)


def run_daemon(settings: Settings, web: bool = True) -> int:
    """Entry point of `shoebox run`."""
    try:
        return Daemon(settings, web=web).run()
    except PortInUse as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 2
