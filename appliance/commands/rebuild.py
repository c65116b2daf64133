"""`shoebox rebuild [--force | --add-missing]`: re-catalogue every file under originals/."""

from __future__ import annotations

import argparse
import sys

from appliance.config import Settings


def _rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog.fields import shown
    from appliance.ingest.progress import Progress
    from appliance.ingest.rebuild import RebuildRefused, rebuild
    from appliance.library import Library
    from appliance.library_locks import worker_lock

    library = Library(settings.library_root, settings.catalog_url)
    if not library.originals.is_dir():
        print(f"shoebox: {library.originals} does not exist", file=sys.stderr)
        return 2
    with worker_lock(library, wait=False) as mine:
        if not mine:
            print("shoebox: the service is running: stop it first", file=sys.stderr)
            return 3
        progress = Progress(0)
        try:
            report = rebuild(settings, args.force, args.add_missing, progress)
        except RebuildRefused as exc:
            print(f"shoebox: {exc}", file=sys.stderr)
            return 2
        progress.close()
    if report.set_aside is not None:
        print(f"the previous catalog is kept as {report.set_aside.name}")
    print(
        f"{len(report.outcomes)} files: {report.count('added')} catalogued, "
        f"{report.count('duplicate')} duplicates, {report.count('failed')} failed"
    )
    for outcome in report.outcomes:
        if outcome.status == "failed":
            print(f"  failed: {shown(outcome.task.path)}: {shown(outcome.error)}")
    for path, why in report.skipped:
        print(f"  {shown(path)}: {why}")
    return 1 if report.count("failed") else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "rebuild", parents=[common], help="re-catalogue every file under originals/"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--force", action="store_true", help="set aside a catalog that holds photos and rebuild"
    )
    mode.add_argument(
        "--add-missing", action="store_true", help="only add files the catalog does not know"
    )
    parser.set_defaults(func=_rebuild)
