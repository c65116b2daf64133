"""`shoebox import` of an export of another photo service (a Google Takeout, an iCloud
Photos download), top to bottom:

1. **Plan** (`takeout_plan` or `icloud_plan`, by the export's layout): every file listed,
   each photo and video matched with what the export kept about it, grouped, classified.
2. **Import in batches**: a batch of members is extracted into the library's staging
   folder (never more than ``BATCH_BYTES`` at once: a disk only a little bigger than the
   photos manages) and imported with policy "move" through the normal pipeline
   (duplicates recognised, broken files kept with their reason, Live Photos paired); each
   task carries what the export kept about its file, which the worker reading the file
   lays over the file's own metadata and keeps in its XMP sidecar
   (`ingest.export_facts`). Then
   each photo joins its albums, is archived or put in the trash as it was, and the people
   the export named become people here (a photo with several names gets its faces named
   by likeness at the end of the run, when every person has the faces of its other
   photos: `decisions.name_faces_by_likeness`).
3. **Remember**: the items a batch finished are appended to a record in the library, so a
   run cut by a power cut resumes after the last finished batch; the progress file lets
   `shoebox status` and the status page follow the run; a report lists every file not
   imported or not matched.

Sources are only read, never changed.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from appliance.catalog import albums as album_rows
from appliance.catalog import photos as photo_rows
from appliance.catalog import stacks, trash
from appliance.catalog.decisions import name_faces_by_likeness, name_people
from appliance.catalog.fields import shown
from appliance.config import Settings
from appliance.ingest.runner import Ingestor
from appliance.media.guards import return_freed_memory
from appliance.media.metadata import sidecar_beside
from appliance.migrate import icloud_plan, takeout_plan
from appliance.migrate.export_items import Item, Plan
from appliance.migrate.progress import Progress
from appliance.migrate.takeout_archive import ArchiveError, iter_streams
from appliance.migrate.takeout_facts import AlbumInfo
from appliance.records import FileTask

BATCH_FILES = 200
BATCH_BYTES = 1024 * 2**20


@dataclass
class Report:
    """What the run did: counts by status (not the outcomes themselves: a quarter of a
    million of them, with their tasks and paths, held some 700 bytes a photo until the end),
    and every file that failed with its reason."""

    statuses: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    resumed: int = 0
    bytes: int = 0


def plan(sources: list[Path]) -> Plan:
    """The plan of an export; the memory its listing and JSON reading used and dropped is
    handed back (a third of the process at 100,000 photos) before the import runs."""
    found = (
        icloud_plan.plan(sources) if icloud_plan.is_icloud(sources) else takeout_plan.plan(sources)
    )
    gc.collect()
    return_freed_memory()
    return found


class ExportImport:
    """One run over the sources; ``run()`` -> exit code (0 all imported, 1 some failed)."""

    def __init__(self, sources: list[Path], settings: Settings) -> None:
        self.sources = [s.resolve() for s in sources]
        self.settings = settings
        self.report = Report()
        self.originals: set[str] = set()  # keys of the items an edited copy belongs with
        self.photo_of: dict[str, int] = {}  # their photos (only theirs: the run's are many)
        self.edited: list[tuple[int, str]] = []  # (edited copy's photo, original's key)
        self.named_several: list[tuple[int, list[str]]] = []  # photos with several names

    def run(self) -> int:
        the_plan = plan(self.sources)
        total = len(the_plan.items)
        print(
            f"{the_plan.kind}: {the_plan.archives} archives or folders, {total} photos and "
            f"videos, {the_plan.facts_matched} matched with their JSON or CSV, "
            f"{len(the_plan.facts_unmatched)} JSON files or CSV rows matched nothing",
            file=sys.stderr,
        )
        with Ingestor(self.settings) as ingestor:
            record = _Record(ingestor.library.root, self.sources)
            done = record.done()
            self.originals = {i.edited_of for i in the_plan.items if i.edited_of is not None}
            todo = [item for item in the_plan.items if item.key not in done]
            self._carry_over(the_plan, done)
            self.report.resumed = total - len(todo)
            self.progress = Progress(
                the_plan.kind,
                [s.name for s in self.sources],
                total,
                sum(i.first.size for i in the_plan.items),
                json_matched=the_plan.facts_matched,
                json_unmatched=len(the_plan.facts_unmatched),
                resumed=self.report.resumed,
                files_done=self.report.resumed,
            )
            self.progress.bytes_done = self.progress.bytes_resumed = sum(
                i.first.size for i in the_plan.items if i.key in done
            )
            self.progress.save(record.progress)
            del done  # a resumed run's record, one entry per photo done
            staging = ingestor.library.root / "uploads" / ".export"
            shutil.rmtree(staging, ignore_errors=True)  # a cut run's extracted files
            for batch in _batches(todo):
                finished = self._import_batch(ingestor, batch, the_plan, staging)
                record.add(finished)
                self._progress(total, batch, record)
            shutil.rmtree(staging, ignore_errors=True)
            # now every person has the faces of its one-face photos; fewest names first
            for photo_id, names in sorted(self.named_several, key=lambda pn: len(pn[1])):
                name_faces_by_likeness(photo_id, names)
            code = self._summary(the_plan, record)
        return code

    def _carry_over(self, the_plan: Plan, done: dict[str, int | None]) -> None:
        """What an earlier, cut run over the same export left to do with the photos it
        imported: an edited copy still waiting for its original, and the photos several
        people were named on (the likeness pass runs at the end, so a cut run never ran
        it; for photos it did, running it again changes nothing)."""
        if not done:
            return
        for item in the_plan.items:
            key = item.key
            photo = done.get(key)
            if photo is None:
                continue
            if key in self.originals:
                self.photo_of[key] = photo
            if item.edited_of is not None:
                self.edited.append((photo, item.edited_of))
            if item.facts is not None and item.facts.people:
                self.named_several.append((photo, list(item.facts.people)))
        self._stack_edited()

    def _import_batch(
        self, ingestor: Ingestor, batch: list[Item], the_plan: Plan, staging: Path
    ) -> list[tuple[str, int | None]]:
        """Import one batch; return (key, photo) of the items it finished (imported, or
        recorded by the pipeline with their reason). An item that could not be read out
        of its archive (a drive pulled, a bad part) is not finished: the next run tries it
        again."""
        extracted = self._extract(batch, staging)
        finished: list[tuple[str, int | None]] = []
        source = "icloud" if the_plan.kind == "iCloud Photos" else "takeout"
        tasks = [
            FileTask(extracted[item.key], source, "move", facts=item.facts)
            for item in batch
            if item.key in extracted
        ]
        outcomes = ingestor.process(tasks)
        by_path = {o.task.path: o for o in outcomes}
        for item, path in ((i, extracted.get(i.key)) for i in batch):
            if path is None:
                continue
            outcome = by_path.get(path)
            if outcome is None:
                continue
            if not outcome.transient:
                finished.append((item.key, outcome.photo_id))
            self.report.statuses[outcome.status] += 1
            if outcome.status == "failed":
                self.report.failed.append((item.key, outcome.error or "failed"))
            elif outcome.photo_id is not None:
                if item.key in self.originals:
                    self.photo_of[item.key] = outcome.photo_id
                self._file_into_albums(item, outcome.photo_id, the_plan, ingestor)
                if item.edited_of is not None:
                    self.edited.append((outcome.photo_id, item.edited_of))
            sidecar_beside(path).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
        self._stack_edited()
        return finished

    def _stack_edited(self) -> None:
        """Each edited copy joins its original's stack, once this run imported both (in
        any batch order)."""
        waiting = []
        for photo_id, original in self.edited:
            if original in self.photo_of:
                stacks.stack_together([self.photo_of[original], photo_id], "edited")
            else:
                waiting.append((photo_id, original))
        self.edited = waiting

    def _extract(self, batch: list[Item], staging: Path) -> dict[str, Path]:
        """Each item's first member into the staging folder of its Takeout folder."""
        wanted: dict[Path, dict[str, Item]] = {}
        for item in batch:
            wanted.setdefault(item.first.archive, {})[item.first.name] = item
        extracted: dict[str, Path] = {}
        for archive, items in wanted.items():
            try:
                for name, stream in iter_streams(archive, set(items)):
                    item = items[name]
                    # one staging folder per Takeout folder: names there are unique, and
                    # a Live Photo's halves stay side by side (paired by folder and name)
                    folder = str(PurePosixPath(name).parent)
                    target = staging / hashlib.sha1(folder.encode()).hexdigest()[:16]
                    target = target / PurePosixPath(name).name
                    try:
                        self._copy(stream, target, item.first.size)
                    except (zipfile.BadZipFile, EOFError, OSError, ArchiveError) as exc:
                        target.unlink(missing_ok=True)
                        self.report.failed.append((item.key, f"cannot read from archive: {exc}"))
                        continue
                    extracted[item.key] = target
            except ArchiveError as exc:
                for item in items.values():
                    if item.key not in extracted:
                        self.report.failed.append((item.key, str(exc)))
        return extracted

    def _copy(self, stream: object, target: Path, size: int) -> None:
        """The member's bytes into ``target``, not fsynced: its only reader is the pipeline,
        which makes its own fsynced, verified copy in ``originals/`` before ``target`` is
        removed, and a cut run clears staging and reads the batch again from the archive.
        (So the bytes of a photo usually leave the page cache only once, into
        ``originals/``: half the writes on an SD card or a USB disk.)"""
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with target.open("wb") as out:
            while chunk := stream.read(1024 * 1024):  # type: ignore[attr-defined]
                written += len(chunk)
                if written > size:
                    raise ArchiveError(f"longer than the {size} bytes the archive declares")
                out.write(chunk)
        if written != size:
            raise ArchiveError(f"ends after {written} of {size} bytes")
        self.report.bytes += written

    def _file_into_albums(
        self, item: Item, photo_id: int, the_plan: Plan, ingestor: Ingestor
    ) -> None:
        for folder in item.albums:
            info = the_plan.albums.get(folder) or AlbumInfo(PurePosixPath(folder).name)
            title = info.title[: album_rows.MAX_TITLE]
            album = album_rows.album_titled(title, info.description)
            album_rows.add_photos(album.id, [photo_id])
        people = list(item.facts.people) if item.facts is not None else []
        if people and not name_people(photo_id, people):  # not one face, one name
            self.named_several.append((photo_id, people))
        if item.archived:
            photo_rows.set_flags([photo_id], {"archived": True})
        if item.trashed:
            trash.trash_photos(ingestor.library, [photo_id])

    def _progress(self, total: int, batch: list[Item], record: _Record) -> None:
        progress = self.progress
        progress.files_done += len(batch)
        progress.bytes_done += sum(item.first.size for item in batch)
        progress.added = self.report.statuses["added"]
        progress.duplicates = self.report.statuses["duplicate"]
        progress.failed = len(self.report.failed)
        progress.save(record.progress)
        print(
            f"{progress.kind}: {progress.files_done}/{total} files, "
            f"{progress.mb_per_second():.1f} MB/s, {progress.failed} failed",
            file=sys.stderr,
            flush=True,
        )

    def _summary(self, the_plan: Plan, record: _Record) -> int:
        """Print the summary and every file not imported or not matched, with the reason;
        the same list is kept as the run's report in the library."""
        counts = self.report.statuses
        lines = [
            f"{len(the_plan.items)} photos and videos: {counts.get('added', 0)} added, "
            f"{counts.get('duplicate', 0)} duplicates, {len(self.report.failed)} failed, "
            f"{self.report.resumed} done by an earlier run; "
            f"{sum(len(i.albums) for i in the_plan.items)} album places"
        ]
        for name, why in sorted(self.report.failed) + sorted(the_plan.refused):
            lines.append(f"  {shown(name)}: {shown(why)}")
        for name in the_plan.facts_unmatched:
            lines.append(f"  {shown(name)}: facts without their photo (not in the archives given?)")
        record.report.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print("\n".join(lines))
        print(f"report: {record.report}")
        self.progress.state, self.progress.report = "finished", str(record.report)
        self.progress.save(record.progress)
        return 1 if self.report.failed else 0


def _batches(items: list[Item]) -> Iterable[list[Item]]:
    batch: list[Item] = []
    size = 0
    for item in items:
        if batch and (len(batch) >= BATCH_FILES or size + item.first.size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item.first.size
    if batch:
        yield batch


class _Record:
    """The items finished by earlier runs over the same sources, with the photo each became
    (a text file in the library, a line per item: its key, a tab and the photo id, or the
    key alone when no photo came of it; appended and fsynced after each batch)."""

    def __init__(self, library: Path, sources: list[Path]) -> None:
        identity = "\n".join(sorted(f"{s.name}:{_size(s)}" for s in sources))
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self.path = library / "migrations" / f"export-{digest}.done"
        self.progress = self.path.with_suffix(".progress.json")
        self.report = self.path.with_suffix(".report.txt")

    def done(self) -> dict[str, int | None]:
        """Key -> photo (None: failed, or recorded before photos were) of each finished
        item."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return {}
        done: dict[str, int | None] = {}
        for line in lines:
            key, tab, photo = line.rpartition("\t")
            if tab and (photo.isdigit() or not photo):
                done[key] = int(photo) if photo else None
            else:
                done[line] = None
        return done

    def add(self, finished: Iterable[tuple[str, int | None]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write("".join(f"{key}\t{photo or ''}\n" for key, photo in finished))
            out.flush()
            os.fsync(out.fileno())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0
