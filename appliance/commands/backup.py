"""`shoebox backup`: a verified backup of the catalog now (7 daily + 4 weekly are kept)."""

from __future__ import annotations

import argparse
import sys

from appliance.config import Settings


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog.backups import BackupError, photo_count, take_backup
    from appliance.catalog.health import check_catalog
    from appliance.library import Library

    library = Library(settings.library_root, settings.catalog_url)
    health = check_catalog(library)
    if not health.ok:
        print(f"shoebox: {health.message}", file=sys.stderr)
        return 4
    if library.catalog_on_server:
        print("shoebox: the catalogue is on a PostgreSQL server: back it up there (pg_dump)")
        return 2
    if not library.catalog_exists():
        print(f"shoebox: no library at {library.root}", file=sys.stderr)
        return 2
    try:
        backup = take_backup(library.catalog_path, library.backups)
    except BackupError as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {photo_count(backup.path)} photos to {backup.path} (verified)")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("backup", parents=[common], help="back up the catalog now")
    parser.set_defaults(func=_backup)
