"""One backup run of one target: stage the catalogue, back up, check, record the outcome.

Runs of the box never overlap (a lock in the state folder). A run that was killed (power
cut, pulled disk) leaves restic's repository consistent: restic writes data before the
index and the snapshot last; its stale lock is removed by the next run, which completes.
"""

from __future__ import annotations

import fcntl
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.library import Library
from appliance.librarybackup import schedule
from appliance.librarybackup.restic import Restic, ResticError
from appliance.librarybackup.snapshot import STAGING, SnapshotError, stage_catalogue, staging_dir
from appliance.librarybackup.targets import Target, TargetStore

log = logging.getLogger(__name__)

# Never a file while it is written: imports copy into .incoming and rename; ExifTool writes
# a sidecar to NAME_exiftool_tmp and renames; uploads and camera downloads are not the
# library yet (their imports copy them into originals/).
EXCLUDES = (".incoming", "*_exiftool_tmp", ".xmp-*.json")


class RunError(RuntimeError):
    """The run failed; the target's status says why and the next run tries again."""


@dataclass
class Outcome:
    target: str
    reason: str
    summary: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    read_check: bool = False


@contextmanager
def run_lock(store: TargetStore) -> Iterator[None]:
    """One run at a time on this box (the timer's and a plugged disk's wait for each other)."""
    store.root.mkdir(parents=True, exist_ok=True)
    with open(store.root / "run.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cache_dir(library: Library) -> Path:
    """restic's cache: on the library disk (it is rebuilt from the repository if lost)."""
    return library.cache / "restic"


def _paths(library: Library) -> list[str]:
    paths = ["originals", str(STAGING)]
    if library.sidecars.is_dir():
        paths.append("sidecars")
    return paths


def run_target(
    target: Target,
    store: TargetStore,
    library: Library,
    settings_file: Path | None = None,
    reason: str = "manual",
) -> Outcome:
    """Back up the library to ``target`` now. Raises :class:`RunError` (recorded)."""
    status = store.read_status(target.name)
    started = schedule.now()
    status.update(last_attempt=schedule.stamp(started), running=True)
    store.write_status(target.name, status)
    restic = Restic(target, store, cache_dir(library))
    outcome = Outcome(target.name, reason)
    try:
        if target.folder is not None and not target.folder.is_dir():
            raise RunError(f"{target.folder} is not there (is the backup disk plugged in?)")
        if not restic.exists():
            raise RunError(f"no repository at {target.repository} (`library-backup add` makes it)")
        restic.unlock()
        outcome.manifest = stage_catalogue(library, settings_file)
        held = status.get("backed_up_photos") or 0
        if outcome.manifest.get("photos") == 0 and held:
            raise RunError(
                f"the library holds no photo but the backup holds {held}: not backing up an "
                "empty library (a new disk? `library-backup restore` brings the photos back)"
            )
        outcome.summary = restic.backup(
            library.root, _paths(library), EXCLUDES, tags=("shoebox", reason)
        )
        restic.check()
        if schedule.read_due(status, started):
            restic.forget(schedule.KEEP)
            restic.check(schedule.READ_SUBSET)
            status["last_read_check"] = schedule.stamp(schedule.now())
            outcome.read_check = True
    except (ResticError, SnapshotError, OSError, RunError) as exc:
        status.update(last_error=str(exc), last_error_at=schedule.stamp(schedule.now()))
        log.error("library backup to %s failed: %s", target.name, exc)
        raise RunError(str(exc)) from exc
    finally:
        status.pop("running", None)
        store.write_status(target.name, status)
        shutil.rmtree(staging_dir(library), ignore_errors=True)
    keep = ("files_new", "files_changed", "data_added", "total_bytes_processed")
    status.update(
        last_success=schedule.stamp(started),
        last_snapshot=outcome.summary["snapshot_id"],
        backed_up_max_photo_id=outcome.manifest.get("max_photo_id", 0),
        backed_up_photos=outcome.manifest.get("photos", 0),
        last_summary={k: outcome.summary.get(k) for k in keep},
        last_error=None,
    )
    store.write_status(target.name, status)
    log.info(
        "library backed up to %s (%s): %s new files, %s bytes added",
        target.name,
        reason,
        outcome.summary.get("files_new"),
        outcome.summary.get("data_added"),
    )
    return outcome
