"""`shoebox import DIR... [--move]`: copy photos into the library's originals/."""

from __future__ import annotations

import argparse
from pathlib import Path

from appliance.commands.ingesting import run_ingest


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("import", parents=[common], help="copy photos into the library")
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument(
        "--move", action="store_true", help="delete each source once its copy is verified"
    )
    parser.set_defaults(
        func=lambda args, settings: run_ingest(
            args.folders, "move" if args.move else "copy", settings
        )
    )
