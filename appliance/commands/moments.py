"""`shoebox moments`: measure and stack older photos, learn the family's model, trash upkeep."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from appliance.catalog import keeps, stacks, trash
from appliance.catalog.memories import on_this_day
from appliance.commands.common import open_library
from appliance.config import Settings
from appliance.ingest.reanalyze import measure_moments


def _moments(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    if library is None:
        return 2
    measured = measure_moments(library)
    print(f"measured {measured} photos (hash and quality from their grid thumbnails)")
    print(f"grouped into {stacks.regroup_all()} stacks")
    if args.learn:
        report = keeps.relearn()
        print("learning what this family keeps:")
        print(json.dumps(report.as_dict(), indent=2))
    if args.on_this_day:
        day = dt.date.fromisoformat(args.on_this_day)
        print(json.dumps({"memories": on_this_day(day)}, indent=2))
    if args.empty_trash:
        print(f"deleted {trash.empty_trash(library)} photos from the trash for good")
    else:
        trash.reconcile(library)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "moments", parents=[common], help="near-duplicates, stacks, quality, memories, trash"
    )
    parser.add_argument("--learn", action="store_true", help="refit the family's quality model")
    parser.add_argument("--on-this-day", metavar="YYYY-MM-DD", help="print that day's memories")
    parser.add_argument(
        "--empty-trash", action="store_true", help="delete everything in the trash for good"
    )
    parser.set_defaults(func=_moments)
