"""`shoebox places`: geocode the photos that have no place yet (the daemon does this in idle
time; this runs it to the end at once)."""

from __future__ import annotations

import argparse

from appliance.catalog.places import backfill_all
from appliance.commands.common import open_library
from appliance.config import Settings


def _places(args: argparse.Namespace, settings: Settings) -> int:
    if open_library(settings) is None:
        return 2
    print(f"geocoded {backfill_all()} photos")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("places", parents=[common], help="give photos with GPS their place")
    parser.set_defaults(func=_places)
