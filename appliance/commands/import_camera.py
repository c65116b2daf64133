"""`shoebox import-camera [--camera MODEL --port PORT]`: import from cameras and phones in
PTP/MTP mode through gphoto2 (read-only: nothing is deleted on the camera).

Exit codes, as ``import-volume``'s: 0 everything imported (or nothing visible: the message
says how to show the files), 1 some files failed, 2 the camera could not be read, 75 it
was unplugged or the unit stopped (the next plug resumes)."""

from __future__ import annotations

import argparse
import signal
import sys

from appliance.commands.import_volume import EXIT_PAUSED, import_queued
from appliance.config import Settings
from appliance.library import Library


def _import_camera(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog import queue as job_queue
    from appliance.catalog.db import open_catalog
    from appliance.ingest import ptp, volumes

    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    library = Library(settings.library_root, settings.catalog_url).ensure()
    open_catalog(library.catalog_url, library.backups)
    try:
        cameras = [ptp.Camera(args.camera, args.port)] if args.camera else ptp.detect_cameras()
        if not cameras:
            print("no camera or phone in PTP mode found")
            return 0
        failed = False
        for camera in cameras:
            ident = ptp.camera_id(camera)
            staging = library.staging / ident
            print(f"{camera.model} ({camera.port}): downloading to {staging}")
            try:
                files = ptp.download(camera, staging)
            except ptp.NothingVisible as exc:
                job_queue.remember_device(f"ptp-{ident}", camera.model, note=str(exc))
                print(f"shoebox: {exc}", file=sys.stderr)
                continue
            job_queue.remember_device(f"ptp-{ident}", camera.model)
            report = volumes.queue_volume(staging, f"ptp-{ident}")
            print(f"{len(files)} files from the camera, {report.queued} queued")
            counts = import_queued(settings, library, f"ptp-{ident}", lambda: bool(stopping))
            if stopping:
                break
            left = ptp.clear_imported(staging)
            if left:
                print(f"{left} files could not be imported; they stay in {staging}")
            failed = failed or bool(counts["failed"] or left)
    except ptp.CameraGone as exc:
        print(f"shoebox: {exc}; the next plug resumes", file=sys.stderr)
        return EXIT_PAUSED
    except (ptp.CameraError, volumes.VolumeError) as exc:
        if stopping:
            return EXIT_PAUSED
        print(f"shoebox: {exc}", file=sys.stderr)
        return 2
    if stopping:
        print("stopped: the next plug resumes", file=sys.stderr)
        return EXIT_PAUSED
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "import-camera", parents=[common], help="import from cameras and phones (PTP, gphoto2)"
    )
    parser.add_argument("--camera", help="gphoto2 camera model (default: every detected one)")
    parser.add_argument("--port", help="gphoto2 port, with --camera (e.g. usb:001,007)")
    parser.set_defaults(func=_import_camera)
