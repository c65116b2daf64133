"""`shoebox faces [--recluster]`: find faces not looked for yet; optionally regroup people."""

from __future__ import annotations

import argparse

from appliance.catalog import people
from appliance.commands.common import open_library
from appliance.config import Settings
from appliance.ingest.reanalyze import find_faces


def _faces(args: argparse.Namespace, settings: Settings) -> int:
    if open_library(settings) is None:
        return 2
    searched = find_faces(settings)
    print(f"looked for faces in {searched} photos")
    if args.recluster:
        stats = people.recluster()
        print(f"regrouped faces (your names, merges and removals kept): {stats}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("faces", parents=[common], help="find faces and group them")
    parser.add_argument(
        "--recluster", action="store_true", help="regroup all automatic people from scratch"
    )
    parser.set_defaults(func=_faces)
