"""`shoebox sidecars [flush | rescan]`: write queued XMP sidecars now; read edited ones."""

from __future__ import annotations

import argparse

from appliance.catalog import sidecars
from appliance.commands.common import open_library
from appliance.config import Settings


def _run(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    if library is None:
        return 2
    if args.action == "rescan":
        print(f"{sidecars.rescan(library)} sidecars edited outside Shoebox were read")
    print(f"{sidecars.flush(library, everything=True)} photos' sidecars written")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "sidecars", parents=[common], help="write queued XMP sidecars; read edited ones"
    )
    parser.add_argument("action", nargs="?", default="flush", choices=["flush", "rescan"])
    parser.set_defaults(func=_run)
