"""`shoebox import DIR... [--move]`: copy photos into the library's originals/.

Given an export of another service (a Google Takeout's ``takeout-*.zip``/``.tgz`` parts,
an iCloud Photos download's ``iCloud Photos Part N of M.zip``, or their extracted folders),
the export import runs instead (`appliance.migrate.export_import`): sources are only read,
so ``--move`` does not apply there."""

from __future__ import annotations

import argparse
from pathlib import Path

from appliance.catalog.health import library_usable
from appliance.commands.ingesting import run_ingest
from appliance.config import Settings


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("import", parents=[common], help="copy photos into the library")
    parser.add_argument("folders", nargs="+", type=Path, help="folders, or a Google Takeout")
    parser.add_argument(
        "--move", action="store_true", help="delete each source once its copy is verified"
    )
    parser.set_defaults(func=_import)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.migrate.export_import import ExportImport
    from appliance.migrate.exports_found import is_export

    missing = [path for path in args.folders if not path.exists()]
    if not missing and is_export(args.folders):
        if not library_usable(settings):
            return 4
        return ExportImport(args.folders, settings).run()
    return run_ingest(args.folders, "move" if args.move else "copy", settings)
