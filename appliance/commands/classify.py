"""`shoebox classify [--all]`: label photos not yet classified (or all of them again)."""

from __future__ import annotations

import argparse

from appliance.commands.common import open_library
from appliance.config import Settings
from appliance.ingest.reanalyze import classify_photos


def _classify(args: argparse.Namespace, settings: Settings) -> int:
    if open_library(settings) is None:
        return 2
    done = classify_photos(settings, everything=args.all)
    print(f"classified {done} photos (manual labels kept)")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("classify", parents=[common], help="label photos by their content")
    parser.add_argument("--all", action="store_true", help="re-classify every photo")
    parser.set_defaults(func=_classify)
