"""`shoebox restore [BACKUP]`: put back a verified catalog backup (newest by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance.config import Settings


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog.backups import (
        BackupError,
        list_backups,
        newest_good_backup,
        photo_count,
        restore_backup,
    )
    from appliance.library import Library
    from appliance.library_locks import worker_lock

    library = Library(settings.library_root, settings.catalog_url)
    if args.backup is not None:
        chosen = args.backup if args.backup.exists() else library.backups / args.backup
        if not chosen.is_file():
            print(f"shoebox: no backup {args.backup}", file=sys.stderr)
            return 2
    else:
        newest = newest_good_backup(library.backups)
        if newest is None:
            found = len(list_backups(library.backups))
            print(
                f"shoebox: no verified backup in {library.backups} ({found} found); "
                "`shoebox rebuild` re-catalogues originals/ instead",
                file=sys.stderr,
            )
            return 2
        chosen = newest.path
    with worker_lock(library, wait=False) as mine:
        if not mine:
            print("shoebox: the service is running: stop it first", file=sys.stderr)
            return 3
        try:
            aside = restore_backup(Path(chosen), library.catalog_path)
        except BackupError as exc:
            print(f"shoebox: {exc}", file=sys.stderr)
            return 1
    print(f"restored {chosen.name}: {photo_count(library.catalog_path)} photos")
    if aside is not None:
        print(f"the previous catalog is kept as {aside.name}")
    print("photos imported after this backup: `shoebox rebuild --add-missing` adds them")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "restore", parents=[common], help="restore the catalog from a verified backup"
    )
    parser.add_argument(
        "backup", nargs="?", type=Path, help="backup file or name (default: newest verified)"
    )
    parser.set_defaults(func=_restore)
