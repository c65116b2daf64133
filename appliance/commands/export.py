"""`shoebox export --format json [--output FILE]`: the whole catalog as a JSON array."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance.catalog.db import open_catalog
from appliance.catalog.export import write_json
from appliance.config import Settings
from appliance.library import Library


def _export(args: argparse.Namespace, settings: Settings) -> int:
    library = Library(settings.library_root, settings.catalog_url)
    if not library.catalog_exists():
        print(f"shoebox: no catalog at {library.catalog_path}", file=sys.stderr)
        return 2
    open_catalog(library.catalog_url)
    if args.output:
        partial = args.output.with_name(args.output.name + ".partial")
        with open(partial, "w", encoding="utf-8") as out:
            count = write_json(out, library.originals)
        partial.replace(args.output)
        print(f"exported {count} photos to {args.output}", file=sys.stderr)
    else:
        write_json(sys.stdout, library.originals)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("export", parents=[common], help="write the catalog as JSON")
    parser.add_argument("--format", choices=["json"], default="json")
    parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    parser.set_defaults(func=_export)
