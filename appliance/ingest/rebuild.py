"""Re-cataloguing a library from its originals/ folder (`shoebox rebuild`).

Every file under ``originals/`` goes through the normal pipeline with policy ``adopt``:
read, render, labels, faces, one commit per file, and the file stays exactly where it is
(its path becomes its ``stored_path``; nothing is copied, moved or written next to it).
A catalog that holds photos is never replaced unless forced, and is then set aside, not
deleted. ``add_missing`` only adds the files the catalog does not know (after a restore
from a backup older than the newest imports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.catalog.backups import set_aside
from appliance.catalog.files import stored_paths
from appliance.catalog.health import check_catalog
from appliance.config import Settings
from appliance.ingest.discover import iter_media_files
from appliance.ingest.runner import Ingestor
from appliance.library import Library
from appliance.records import FileTask, Outcome


class RebuildRefused(RuntimeError):
    """The catalog holds photos and rebuilding was not forced."""


@dataclass
class RebuildReport:
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    set_aside: Path | None = None

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def rebuild(
    settings: Settings,
    force: bool = False,
    add_missing: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> RebuildReport:
    """Re-catalogue every file under originals/ (see the module docstring).

    The caller holds the library's worker lock (no service running)."""
    library = Library(settings.library_root, settings.catalog_url)
    report = RebuildReport()
    health = check_catalog(library)
    usable = health.state == "ok" and library.catalog_path.exists()
    if usable and not add_missing and not force:
        raise RebuildRefused(
            "the catalog holds photos; `shoebox rebuild --force` sets it aside and rebuilds, "
            "`--add-missing` only adds the files it does not know"
        )
    if not add_missing or not usable:
        report.set_aside = set_aside(library.catalog_path, "before-rebuild")
    files = list(iter_media_files(library.originals, lambda *item: report.skipped.append(item)))
    with Ingestor(settings, library, rebuilding=True) as ingestor:
        known = stored_paths() if add_missing else set()
        base = library.originals.resolve()
        tasks = [
            FileTask(path.resolve(), "rebuild", "adopt")
            for path in files
            if path.resolve().relative_to(base).as_posix() not in known
        ]
        report.outcomes = ingestor.process(tasks, progress)
    return report
