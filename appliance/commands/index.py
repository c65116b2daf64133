"""`shoebox index DIR...`: catalog files where they are; never writes to DIR."""

from __future__ import annotations

import argparse
from pathlib import Path

from appliance.commands.ingesting import run_ingest


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("index", parents=[common], help="catalog photos where they are")
    parser.add_argument("folders", nargs="+", type=Path)
    parser.set_defaults(func=lambda args, settings: run_ingest(args.folders, "index", settings))
