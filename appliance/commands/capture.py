"""`shoebox capture [--inbox DIR]`: take a still with the Raspberry Pi camera into the inbox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance.config import Settings


def _capture(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.capture import CaptureError
    from appliance.capture.inbox import capture_to_inbox
    from appliance.capture.picamera import PiCamera

    inbox = args.inbox or (settings.inboxes[0] if settings.inboxes else None)
    if inbox is None:
        print("shoebox: no inbox: pass --inbox DIR or set `inboxes`", file=sys.stderr)
        return 2
    try:
        path = capture_to_inbox(PiCamera(camera_index=args.camera, warmup=args.warmup), inbox)
    except (CaptureError, ValueError) as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "capture", parents=[common], help="take a photo with the Raspberry Pi camera into the inbox"
    )
    parser.add_argument(
        "--inbox", type=Path, help="folder to write into (default: the first configured inbox)"
    )
    parser.add_argument("--camera", type=int, default=0, help="camera number (default 0)")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds for exposure to settle (default 1)"
    )
    parser.set_defaults(func=_capture)
