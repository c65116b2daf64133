"""`shoebox import-camera [--camera MODEL --port PORT]`: import from cameras and phones in
PTP/MTP mode through gphoto2 (read-only: nothing is deleted on the camera)."""

from __future__ import annotations

import argparse
import signal
import sys

from appliance.commands.import_volume import import_queued
from appliance.config import Settings
from appliance.library import Library


def _import_camera(args: argparse.Namespace, settings: Settings) -> int:
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
            files = ptp.download(camera, staging)
            report = volumes.queue_volume(staging, f"ptp-{ident}")
            print(f"{len(files)} files on the camera, {report.queued} queued")
            counts = import_queued(settings, library, f"ptp-{ident}", lambda: bool(stopping))
            left = ptp.clear_imported(staging)
            if left:
                print(f"{left} files could not be imported; they stay in {staging}")
            failed = failed or bool(counts["failed"] or left)
    except (ptp.CameraError, volumes.VolumeError) as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 2
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "import-camera", parents=[common], help="import from cameras and phones (PTP, gphoto2)"
    )
    parser.add_argument("--camera", help="gphoto2 camera model (default: every detected one)")
    parser.add_argument("--port", help="gphoto2 port, with --camera (e.g. usb:001,007)")
    parser.set_defaults(func=_import_camera)
