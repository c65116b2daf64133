"""`shoebox edit date|shift|place|text`: correct a photo's facts (catalog + XMP sidecar).

    shoebox edit date 12 --at "2023-07-14 18:30:05" --offset=+02:00
    shoebox edit shift 12 13 14 --by=-1h          # the camera clock was an hour ahead
    shoebox edit place 12 --lat 48.8584 --lon 2.2945
    shoebox edit text 12 --title "Eiffel Tower" --description "Our first evening"

The original file is never written; the sidecar is written before the command returns.
"""

from __future__ import annotations

import argparse
import sys

from appliance.catalog import edits, sidecars
from appliance.commands.common import open_library
from appliance.config import Settings


def _run(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    if library is None:
        return 2
    try:
        if args.what == "date":
            when, offset = edits.parse_time(args.at), edits.parse_offset(args.offset)
            photo = edits.set_taken_at(args.ids[0], when, offset)
            print(f"photo {photo.id}: taken {photo.taken_at} (offset {photo.taken_at_offset})")
        elif args.what == "shift":
            changed = edits.shift_taken_at(args.ids, edits.parse_shift(args.by))
            print(f"{changed} photos shifted by {args.by}")
        elif args.what == "place":
            photo = edits.set_place(args.ids[0], args.lat, args.lon, args.alt)
            print(f"photo {photo.id}: place {photo.latitude}, {photo.longitude}")
        else:
            photo = edits.set_text(args.ids[0], title=args.title, description=args.description)
            print(f"photo {photo.id}: title {photo.title!r}")
    except edits.EditError as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 1
    sidecars.flush(library, everything=True)
    return 0


def _validate_then_run(args: argparse.Namespace, settings: Settings) -> int:
    needed = {
        "date": args.at is not None and len(args.ids) == 1,
        "shift": args.by is not None and len(args.ids) >= 1,
        "place": args.lat is not None and args.lon is not None and len(args.ids) == 1,
        "text": (args.title, args.description) != (None, None) and len(args.ids) == 1,
    }[args.what]
    if not needed:
        print(
            "usage: shoebox edit date ID --at TIME [--offset +HH:MM] | shift ID... --by +1h | "
            "place ID --lat DEG --lon DEG | text ID [--title T] [--description D]",
            file=sys.stderr,
        )
        return 2
    return _run(args, settings)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "edit", parents=[common], help="correct capture date, place, title (catalog + sidecar)"
    )
    parser.add_argument("what", choices=["date", "shift", "place", "text"])
    parser.add_argument("ids", nargs="+", type=int, help="photo ids")
    parser.add_argument("--at", help="date: the capture time, e.g. '2023-07-14 18:30:05'")
    parser.add_argument("--offset", help="date: its UTC offset, e.g. +02:00")
    parser.add_argument("--by", help="shift: +1h, --by=-30m, +2d3h, --by=-1:30")
    parser.add_argument("--lat", type=float, help="place: latitude, signed degrees")
    parser.add_argument("--lon", type=float, help="place: longitude, signed degrees")
    parser.add_argument("--alt", type=float, help="place: altitude in metres")
    parser.add_argument("--title")
    parser.add_argument("--description")
    parser.set_defaults(func=_validate_then_run)
