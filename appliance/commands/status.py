"""`shoebox status [--json]`: sources, queue, current file, rate, ETA, recent errors."""

from __future__ import annotations

import argparse
import json
import sys

from appliance.config import Settings


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog.db import open_catalog
    from appliance.library import Library
    from appliance.status import format_report, status_report

    library = Library(settings.library_root, settings.catalog_url)
    if not library.catalog_exists():
        print(f"shoebox: no library at {library.root}", file=sys.stderr)
        return 2
    open_catalog(library.catalog_url, check=False)
    report = status_report(library)
    print(json.dumps(report, indent=2, default=str) if args.json else format_report(report))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("status", parents=[common], help="what the appliance is doing")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_status)
