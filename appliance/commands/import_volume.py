"""`shoebox import-volume MOUNTPOINT [--uuid UUID]`: import a USB disk or card, read-only.

Queues the volume's photos as jobs. When the service is running it does the work (this
command waits and reports); otherwise this process imports them itself, and hands the rest
over if the service starts meanwhile (or takes over if the service dies). Exit code 0 when
everything is imported, 1 when some files failed, 75 when the volume went away (its jobs
are paused and resume when it returns).
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from appliance.config import Settings
from appliance.library import Library

EXIT_PAUSED = 75  # EX_TEMPFAIL
HANDOVER_PAUSE = 0.5  # seconds between a hand-over (to or from the service) and the next look


def _import_volume(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog import queue as job_queue
    from appliance.catalog.db import open_catalog
    from appliance.ingest import volumes

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    from appliance.catalog.models import utcnow

    library = Library(settings.library_root, settings.catalog_url).ensure()
    plugged = utcnow()  # only this plug's failures decide the exit code
    try:
        uuid = args.uuid or volumes.volume_uuid(args.mountpoint)
        open_catalog(library.catalog_url, library.backups)
        report = volumes.queue_volume(args.mountpoint, uuid)
        job_queue.remember_device(uuid, volumes.volume_name(args.mountpoint))
    except volumes.VolumeError as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 2
    roots = ", ".join(str(r) for r in report.roots)
    print(f"volume {uuid}: {report.queued} new files queued, {report.resumed} resumed ({roots})")
    counts = import_queued(settings, library, uuid, lambda: bool(stopping), plugged)
    if counts["paused"] or counts["pending"] or counts["running"]:
        print("the volume went away: the rest is imported when it returns", file=sys.stderr)
        return EXIT_PAUSED
    exports = _import_exports(args.mountpoint, settings)
    return 1 if counts["failed"] or exports else 0


def _import_exports(mountpoint: Path, settings: Settings) -> int:
    """A Google Takeout or iCloud download on the drive is brought in too (its archives
    are read where they are: the drive stays read-only). Returns the export import's
    exit code (0 when there is none)."""
    from appliance.migrate.export_import import ExportImport
    from appliance.migrate.exports_found import find_exports

    exports = find_exports(Path(mountpoint))
    if not exports:
        return 0
    print(f"exports on the volume: {', '.join(p.name for p in exports)}")
    return ExportImport(exports, settings).run()


def import_queued(
    settings: Settings,
    library: Library,
    uuid: str,
    should_stop: Callable[[], bool],
    failed_since: dt.datetime | None = None,
) -> dict[str, int]:
    """Work through a queued volume: here while no service runs (handing the rest over the
    moment one starts), else wait while the service does it (taking over if it goes)."""
    from appliance.catalog import queue as job_queue
    from appliance.library_locks import service_running, worker_lock

    told = False
    while True:
        with worker_lock(library, wait=False) as mine:
            if mine and not service_running(library):
                counts = _import_here(settings, library, uuid, should_stop)
            else:
                mine = False
        if not mine:
            if not told:
                print("the shoebox service is importing; waiting for it to finish")
                told = True
            counts = _wait_for_service(library, uuid, should_stop)
        if should_stop() or counts["pending"] + counts["running"] == 0:
            break
        time.sleep(HANDOVER_PAUSE)  # the other side takes the lock, or a lease runs out
    counts = job_queue.counts(uuid, failed_since) if failed_since else counts
    print("jobs: " + ", ".join(f"{state} {n}" for state, n in counts.items()))
    return counts


def _import_here(
    settings: Settings, library: Library, uuid: str, should_stop: Callable[[], bool]
) -> dict[str, int]:
    """Run the volume's jobs in this process (holding the worker lock) until done, stopped,
    or a service starts: then the rest stays queued for it."""
    from appliance.catalog import queue as job_queue
    from appliance.ingest import volumes
    from appliance.ingest.runner import Ingestor
    from appliance.library_locks import service_running

    job_queue.reset_running()  # left running by a process killed before this one
    with Ingestor(settings, library) as ingestor:
        return volumes.drain_volume(
            ingestor,
            uuid,
            max(1, settings.workers * 2),
            lambda: should_stop() or service_running(library),
        )


def _wait_for_service(
    library: Library, uuid: str, should_stop: Callable[[], bool]
) -> dict[str, int]:
    """Wait while the service works through the volume; return when done, stopped, or
    the service is gone (killed, stopped) so that this process takes over."""
    from appliance.ingest import volumes
    from appliance.library_locks import service_running

    return volumes.wait_for_daemon(
        uuid, poll=1.0, should_stop=lambda: should_stop() or not service_running(library)
    )


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "import-volume", parents=[common], help="import a mounted USB disk or card (read-only)"
    )
    parser.add_argument("mountpoint", type=Path)
    parser.add_argument("--uuid", help="filesystem UUID (found from the mount when omitted)")
    parser.set_defaults(func=_import_volume)
