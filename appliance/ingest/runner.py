"""The ingest runner: worker processes analyse, this process commits, places and cleans up.

Order per file, chosen so that a crash at any point loses nothing and duplicates nothing:
worker makes a verified copy in .incoming -> commit (rows + job done, one transaction)
-> rename the copy into originals/, its sidecar beside it -> delete the source (policy
"move" only).
:func:`recover_incoming` at start finishes or discards whatever a crash interrupted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from appliance.catalog import lookup, people, sidecars, stacks, trash, writer
from appliance.catalog.db import open_catalog
from appliance.catalog.exceptions import CatalogFailure, OperationalError
from appliance.catalog.fields import shown
from appliance.catalog.health import require_usable
from appliance.config import Settings
from appliance.errors import is_disk_full
from appliance.ingest.analyze import DISK_FULL, DISK_FULL_ERRNOS, analyze, setup_worker
from appliance.ingest.sidecar_copy import carry_sidecar, drop_moved_sidecar
from appliance.ingest.store import place, recover_incoming
from appliance.ingest.workers import TIMED_OUT, WorkerPool
from appliance.library import Library
from appliance.media.metadata import source_sidecar
from appliance.records import Analysis, FileTask, Outcome

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Outcome], None]


# A shared library's .incoming: a committed copy older than this has no live writer (commit
# and rename are milliseconds apart); an uncommitted one older than that was abandoned.
SHARED_SETTLED = 60.0
SHARED_ABANDONED = 3600.0


class Ingestor:
    """Owns the worker processes and the single catalog writer for one run or service."""

    def __init__(
        self, settings: Settings, library: Library | None = None, rebuilding: bool = False
    ) -> None:
        self.settings = settings
        self.library = (library or Library(settings.library_root, settings.catalog_url)).ensure()
        if not rebuilding:  # never import into a fresh catalog beside a lost one
            require_usable(self.library)
        self.db = open_catalog(self.library.catalog_url, self.library.backups)
        self.pool = WorkerPool(
            settings.workers,
            setup_worker,
            # the workers open the very catalogue this process opened (its resolved URL)
            (dataclasses.replace(settings, catalog_url=self.db.url),),
            analyze,
            timeout=settings.per_file_timeout,
            time_factor=lambda task: task.time_factor,
        )
        self.after_commit: list[Callable[[list[Outcome]], None]] = []
        if settings.faces:
            self.after_commit.append(_cluster_new_faces)
        self.after_commit.append(_stack_new_photos)

    def __enter__(self) -> Ingestor:
        self.recover_incoming()
        trash.reconcile(self.library)
        self.pool.__enter__()
        return self

    def recover_incoming(self, settled: float = SHARED_SETTLED) -> int:
        """Finish or drop the copies in .incoming that an interrupted import left. In a
        library shared with other machines' workers (a PostgreSQL catalogue) only copies
        old enough that no live writer can own them (see `store.recover_incoming`)."""
        shared = self.db.shared
        recovered = recover_incoming(
            self.library.incoming,
            self.library.originals,
            lookup.stored_path_of,
            settled=settled if shared else 0.0,
            abandoned=SHARED_ABANDONED if shared else 0.0,
        )
        if recovered:
            log.info("finished %d interrupted imports", recovered)
        return recovered

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.pool.close()
        if exc_type is None:  # after a failure (a pulled disk) the queue waits for next time
            sidecars.flush(self.library, everything=True)  # decisions found while importing

    def process(
        self, tasks: Iterable[FileTask], progress: ProgressCallback | None = None
    ) -> list[Outcome]:
        """Bring every task into the catalog; return one outcome per task."""
        outcomes: list[Outcome] = []
        todo: list[FileTask] = []
        for task in tasks:
            skipped = self._skip_unchanged(task)
            if skipped is not None:
                outcomes.append(skipped)
                if progress:
                    progress(skipped)
            else:
                todo.append(task)
        for task, analysis, error in self.pool.map_unordered(todo):
            if analysis is None:
                # A volume's file that ran out of time is retried with a longer limit (the
                # job queue decides); other timeouts and crashes are recorded as errors.
                timed_out = bool(error and error.startswith(TIMED_OUT) and task.volume_uuid)
                analysis = Analysis(task=task, error=error, transient=timed_out)
            try:
                outcome = self._finish(analysis)
            except Exception as exc:  # noqa: BLE001 - one file's problem never stops the run
                outcome = _contain(analysis, exc)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
        added = [o for o in outcomes if o.status == "added"]
        for hook in self.after_commit:
            hook(added)
        return outcomes

    def _skip_unchanged(self, task: FileTask) -> Outcome | None:
        """Unchanged paths (same size and mtime as catalogued) are not read again."""
        if task.policy == "move":
            return None  # an inbox file still present was never finished: redo it
        if task.volume_uuid:
            # A path on a volume says nothing about its content (another card in the same
            # slot has the same names); the volume's job rows already skip unchanged files.
            return None
        try:
            stat = task.path.stat()
        except OSError:
            return None  # the worker reports why
        if lookup.is_unchanged(str(task.path), stat.st_size, stat.st_mtime):
            if sidecars.check_beside(self.library, task.path):
                log.info("sidecar of %s changed: its decisions were read", task.path)
            if task.job_id is not None:
                writer.finish_job(task.job_id, "done")
            return Outcome(task, "unchanged")
        return None

    def _finish(self, analysis: Analysis) -> Outcome:
        """Commit, place the verified copy, then (policy move) delete the source."""
        if analysis.transient:
            if analysis.incoming is not None:
                analysis.incoming.unlink(missing_ok=True)
            return Outcome(analysis.task, "failed", error=analysis.error, transient=True)
        try:
            committed = writer.commit(analysis, self.library.originals)
        except OperationalError as exc:  # catalog locked or disk full: not this file's fault
            if analysis.incoming is not None:
                analysis.incoming.unlink(missing_ok=True)
            reason = DISK_FULL if is_disk_full(exc) else f"catalog busy: {exc}"
            return Outcome(analysis.task, "failed", error=reason, transient=True)
        except (CatalogFailure, ValueError, TypeError, OverflowError) as exc:
            log.exception("could not record %s", analysis.task.path)
            committed = writer.commit(_unrecordable(analysis, exc), self.library.originals)
        if committed.placement is not None:
            destination = self.library.originals / committed.placement.relative
            place(committed.placement.incoming, destination)
            _carry_sidecar(analysis.task.path, destination, committed)
        elif analysis.incoming is not None:
            analysis.incoming.unlink(missing_ok=True)  # content was already stored
        outcome = committed.outcome
        if outcome.status == "restored":
            log.info(
                "%s brought photo %s back from the trash", analysis.task.path, outcome.photo_id
            )
            trash.put_back(self.library, [outcome.photo_id])
        if analysis.task.policy == "move" and outcome.status in ("added", "duplicate", "restored"):
            self._delete_source(analysis.task.path, outcome)
            drop_moved_sidecar(analysis.task.path)
            self._drop_upload_folder(analysis.task.path)
        return outcome

    def _drop_upload_folder(self, path: Path) -> None:
        """A browser upload's own folder (``uploads/<token>/``) goes with its file."""
        if path.parent.parent.resolve() == self.library.uploads.resolve():
            with contextlib.suppress(OSError):  # not empty (someone put a file there): kept
                path.parent.rmdir()

    def _delete_source(self, path: Path, outcome: Outcome) -> None:
        if outcome.file_id is None or not lookup.file_is_stored(outcome.file_id):
            return  # never delete a source the library holds no copy of
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("imported %s but could not remove it from the inbox: %s", path, exc)


def _carry_sidecar(source: Path, destination: Path, committed: writer.Committed) -> None:
    """The source's sidecar goes beside the library's copy. When the photo's decisions were
    read from it, that copy is the sidecar the catalogue remembers (its later edits are the
    photo's); a sidecar already there was not read: the photo's next sidecar write, queued
    by its decisions, updates it and remembers it then."""
    carried = carry_sidecar(source, destination)
    read, photo_id = committed.sidecar_read, committed.outcome.photo_id
    if carried is not None and photo_id is not None and read == source_sidecar(source):
        sidecars.note_read(carried, photo_id)


def _contain(analysis: Analysis, exc: Exception) -> Outcome:
    """An unexpected error while recording one file: the file fails with the reason (its
    job too), the copy waiting in .incoming is dropped, the run goes on."""
    log.exception("unexpected error while recording %s", shown(analysis.task.path))
    if analysis.incoming is not None:
        with contextlib.suppress(OSError):
            analysis.incoming.unlink(missing_ok=True)
    error = f"unexpected error: {type(exc).__name__}: {exc}"
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        error = DISK_FULL
    if analysis.task.job_id is not None:
        try:
            writer.finish_job(analysis.task.job_id, "failed", None, error)
        except Exception:  # noqa: BLE001 - the catalog itself is unwell; the log has it
            log.exception("could not record the failure of job %s", analysis.task.job_id)
    return Outcome(analysis.task, "failed", error=error)


def _unrecordable(analysis: Analysis, exc: Exception) -> Analysis:
    """The file as a failure, without the values the catalog refused (the copy is dropped:
    a source the library cannot describe stays where it is)."""
    if analysis.incoming is not None:
        analysis.incoming.unlink(missing_ok=True)
    return Analysis(
        task=analysis.task,
        size=analysis.size,
        mtime=analysis.mtime,
        sha256=analysis.sha256,
        mime=analysis.mime,
        kind=analysis.kind,
        error=f"could not record it in the catalog: {type(exc).__name__}: {exc}",
        warnings=analysis.warnings,
    )


def _cluster_new_faces(added: list[Outcome]) -> None:
    """Keep people up to date as photos arrive: place the faces not looked at yet."""
    if added:
        people.assign_new_faces()


def _stack_new_photos(added: list[Outcome]) -> None:
    """Put new photos into the stacks of their near-duplicates, bursts and copies."""
    ids = sorted({o.photo_id for o in added if o.photo_id is not None})
    if ids:
        stacks.group_photos(ids)
