"""`shoebox library-backup`: a second copy of the whole library (restic), and its restore.

library-backup add NAME TARGET      a folder/disk, sftp:user@host:/path, s3:...
library-backup run [NAME] [--if-due]
library-backup plugged FOLDER       a SHOEBOX-BACKUP disk was mounted at FOLDER
library-backup status [--json]
library-backup restore NAME --to DIR [--photo ID]... [--day YYYY-MM-DD]
library-backup recovery-sheet NAME
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from appliance.config import Settings, default_config_file

DISK_FOLDER = "shoebox-library"  # the repository's folder on a SHOEBOX-BACKUP disk
S3_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN")


def _err(message: str) -> None:
    print(f"shoebox: {message}", file=sys.stderr)


def _store(settings: Settings):  # noqa: ANN202 - TargetStore, imported lazily
    from appliance.librarybackup.targets import TargetStore

    return TargetStore(settings.backup_state_dir)


def _settings_file(args: argparse.Namespace) -> Path | None:
    return getattr(args, "config", None) or default_config_file(dict(os.environ))


def _add_target(settings: Settings, name: str, text: str) -> int:
    from appliance.librarybackup.restic import Restic, ResticError
    from appliance.librarybackup.targets import (
        Target,
        TargetError,
        new_key,
        parse_target,
        recovery_sheet,
    )

    store = _store(settings)
    try:
        kind, repository = parse_target(text)
    except TargetError as exc:
        _err(str(exc))
        return 2
    if name in {t.name for t in store.targets()}:
        _err(f"a target {name!r} exists already")
        return 2
    given = os.environ.get("SHOEBOX_BACKUP_PASSWORD", "")
    key = given or new_key()
    env = {k: os.environ[k] for k in S3_ENV if kind == "s3" and k in os.environ}
    probe = Target(name, repository, kind)
    if kind == "sftp":
        public = store.ensure_ssh_key()
    store.root.mkdir(parents=True, exist_ok=True)
    try:
        restic = Restic(probe, store)
        if restic.exists(password=key):
            print(f"{repository} holds a Shoebox backup that this key opens: using it")
        else:
            restic.run("init", password=key, timeout=300)
            print(f"made a new encrypted repository at {repository}")
    except ResticError as exc:
        _err(str(exc))
        if "does not open" in str(exc) and not given:
            print(
                "this backup was made with another key: give it from its recovery sheet, "
                "SHOEBOX_BACKUP_PASSWORD='KEY' shoebox library-backup add NAME TARGET",
                file=sys.stderr,
            )
        if kind == "sftp":
            print(
                "Let this box in: add this line to ~/.ssh/authorized_keys of the user on the "
                f"other machine, then run the same command again:\n{public.read_text()}",
                file=sys.stderr,
            )
        return 1
    try:
        target = store.add(name, text, key, env)
    except TargetError as exc:
        _err(str(exc))
        return 2
    sheet = recovery_sheet(target, key)
    store.recovery_path(name).parent.mkdir(parents=True, exist_ok=True)
    store.recovery_path(name).write_text(sheet, encoding="utf-8")
    store.recovery_path(name).chmod(0o600)
    print(sheet)
    print(f"PRINT THIS PAGE and keep it away from the box (also in {store.recovery_path(name)}).")
    if kind == "sftp":
        print(f"this box's SSH key for the other machine: {public.read_text().strip()}")
    return 0


def _add(args: argparse.Namespace, settings: Settings) -> int:
    return _add_target(settings, args.name, args.target)


def _library(settings: Settings):  # noqa: ANN202 - Library
    from appliance.library import Library
    from appliance.library_disk import library_state

    state = library_state(settings)
    if not state.available:
        _err(state.reason)
        return None
    library = Library(settings.library_root, settings.catalog_url)
    if not library.catalog_exists():
        _err(f"no library at {library.root}")
        return None
    if library.catalog_on_server:
        from appliance.catalog.db import open_catalog

        open_catalog(library.catalog_url)
    return library


INTERRUPTED = 75  # EX_TEMPFAIL: stopped (a pulled disk, a shutdown); the next run completes


def _stop(signum: int, frame: object) -> None:
    """systemd's stop: restic is stopped cleanly on the way out; like a pulled stick, a
    stop is no error state of the unit (SuccessExitStatus=75)."""
    raise SystemExit(INTERRUPTED)


def _run_targets(args: argparse.Namespace, settings: Settings, names: list[str] | None) -> int:
    from appliance.librarybackup import schedule
    from appliance.librarybackup.runner import RunError, run_lock, run_target
    from appliance.librarybackup.targets import TargetError

    store = _store(settings)
    try:
        targets = [store.get(n) for n in names] if names else store.targets()
    except TargetError as exc:
        _err(str(exc))
        return 2
    if not targets:
        print("no backup target yet: `shoebox library-backup add NAME TARGET`")
        return 0
    library = _library(settings)
    if library is None:
        return 75
    signal.signal(signal.SIGTERM, _stop)  # systemd's stop (an unplug): restic stops cleanly
    failed = 0
    with run_lock(store):
        for target in targets:
            status = store.read_status(target.name)
            reason = "manual"
            if getattr(args, "if_due", False) and target.folder and not target.folder.is_dir():
                print(f"{target.name}: {target.folder} is not there (disk not plugged in)")
                continue
            if getattr(args, "if_due", False):
                since = schedule.parse_time(status.get("last_attempt"))
                reason = schedule.due(status, schedule.catalogue_changed(library, since))
                if reason is None:
                    continue
            try:
                outcome = run_target(target, store, library, _settings_file(args), reason)
            except RunError as exc:
                _err(f"{target.name}: {exc}")
                failed += 1
                continue
            summary = outcome.summary
            print(
                f"{target.name}: backed up {outcome.manifest.get('photos')} photos "
                f"(snapshot {summary['snapshot_id']}: {summary.get('files_new')} new files, "
                f"{summary.get('data_added')} bytes added), check ok"
                + (", data sample read ok" if outcome.read_check else "")
            )
    return 1 if failed else 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return _run_targets(args, settings, [args.name] if args.name else None)


def _plugged(args: argparse.Namespace, settings: Settings) -> int:
    """A SHOEBOX-BACKUP disk is mounted at FOLDER: its target is added the first time
    (new key, recovery sheet in the journal and the state folder), then brought up to date."""
    store = _store(settings)
    repository = str((args.folder / DISK_FOLDER).absolute())
    known = [t for t in store.targets() if t.repository == repository]
    if known:
        return _run_targets(args, settings, [known[0].name])
    names = {t.name for t in store.targets()}
    name = next(
        n for i in range(1, 100) if (n := "backup-disk" + (f"-{i}" if i > 1 else "")) not in names
    )
    code = _add_target(settings, name, repository)
    if code != 0:
        return code
    return _run_targets(args, settings, [name])


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.library import Library
    from appliance.library_disk import library_state
    from appliance.librarybackup.status import describe, photos_after, target_reports

    counter = None
    library = Library(settings.library_root, settings.catalog_url)
    if library_state(settings).available and library.catalog_exists():
        from appliance.catalog.db import open_catalog

        open_catalog(library.catalog_url)
        counter = photos_after
    reports = target_reports(_store(settings), counter)
    if args.json:
        print(json.dumps({"targets": reports}, indent=1))
    elif not reports:
        print("no backup target yet: `shoebox library-backup add NAME TARGET`")
    else:
        for report in reports:
            print(describe(report))
    return 1 if any(r["warning"] for r in reports) else 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.librarybackup.restic import ResticError
    from appliance.librarybackup.restore import RestoreError, restore_library, restore_some
    from appliance.librarybackup.targets import TargetError

    store = _store(settings)
    try:
        target = store.get(args.name)
        if args.photo or args.day:
            paths = restore_some(target, store, args.to, args.photo or (), args.day, args.snapshot)
            for path in paths:
                print(f"restored originals/{path}")
            print(f"{len(paths)} files restored into {args.to}")
            return 0
        report = restore_library(target, store, args.to, args.snapshot)
    except (TargetError, RestoreError, ResticError) as exc:
        _err(str(exc))
        return 1
    manifest = report["manifest"]
    print(
        f"restored {report['files']} files and the catalogue of {manifest.get('taken')} "
        f"({manifest.get('photos')} photos, {manifest.get('users')} users) into {args.to}"
    )
    for path in report["missing"]:
        print(f"missing from the backup: originals/{path}")
    if report.get("pg_dump"):
        print(f"PostgreSQL catalogue: pg_restore --no-owner -d URL {report['pg_dump']}")
    if report.get("settings"):
        print(f"the settings file of the box is in {report['settings']}")
    print(f"serve it with: shoebox --library {args.to} run")
    return 1 if report["missing"] else 0


def _sheet(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    path = store.recovery_path(args.name)
    if not path.exists():
        _err(f"no recovery sheet for {args.name!r}")
        return 2
    print(path.read_text(encoding="utf-8"))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "library-backup", parents=[common], help="a second copy of the whole library (restic)"
    )
    parser.set_defaults(needs_library=False)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="add a backup target")
    add.add_argument("name")
    add.add_argument("target", help="a folder, sftp:user@host:/path or s3:https://host/bucket")
    add.set_defaults(func=_add, needs_library=False)
    run = actions.add_parser("run", parents=[common], help="back up now (all targets or NAME)")
    run.add_argument("name", nargs="?")
    run.add_argument("--if-due", action="store_true", help="only targets whose run is due")
    run.set_defaults(func=_run, needs_library=False)
    plugged = actions.add_parser("plugged", parents=[common], help="a backup disk was mounted")
    plugged.add_argument("folder", type=Path)
    plugged.set_defaults(func=_plugged, needs_library=False)
    status = actions.add_parser("status", parents=[common], help="per target: last good backup")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_status, needs_library=False)
    restore = actions.add_parser("restore", parents=[common], help="restore from a target")
    restore.add_argument("name")
    restore.add_argument("--to", type=Path, required=True, help="an empty folder")
    restore.add_argument("--photo", type=int, action="append", help="only this photo (id)")
    restore.add_argument("--day", help="only the photos taken on this day (YYYY-MM-DD)")
    restore.add_argument("--snapshot", default="latest", help="a restic snapshot id")
    restore.set_defaults(func=_restore, needs_library=False)
    sheet = actions.add_parser("recovery-sheet", parents=[common], help="print the key again")
    sheet.add_argument("name")
    sheet.set_defaults(func=_sheet, needs_library=False)
