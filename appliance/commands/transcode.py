"""`shoebox transcode`: make every movie browsers cannot play playable now (the service
does this in the background; this runs the same queue once, in the foreground)."""

from __future__ import annotations

import argparse

from appliance.commands.common import open_library
from appliance.config import Settings
from appliance.ingest.transcoding import run_pending
from appliance.library import Library


def _transcode(args: argparse.Namespace, settings: Settings) -> int:
    if open_library(settings) is None:
        return 2
    done, failed = run_pending(Library(settings.library_root, settings.catalog_url))
    print(f"transcoded {done} movies, {failed} failed")
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "transcode", parents=[common], help="make videos browsers cannot play playable"
    )
    parser.set_defaults(func=_transcode)
