"""Re-cataloguing a library from its originals/ folder and their XMP sidecars (minimal).

NOTE: a minimal stand-in written for issue 10's round-trip test while the safety issue's
`shoebox rebuild` (issue 9, same module, same ``rebuild`` signature) is not merged; that one
replaces this file. Every file under ``originals/`` goes through the normal pipeline,
catalogued in place; the decisions come back from the sidecars beside the files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config import Settings
from appliance.ingest.discover import iter_media_files
from appliance.ingest.runner import Ingestor
from appliance.ingest.tasks import FileTask, Outcome
from appliance.library import Library


class RebuildRefused(RuntimeError):
    """The catalog exists and rebuilding was not forced."""


@dataclass
class RebuildReport:
    outcomes: list[Outcome] = field(default_factory=list)
    set_aside: Path | None = None

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def rebuild(
    settings: Settings,
    force: bool = False,
    add_missing: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> RebuildReport:
    """Re-catalogue every file under originals/; an existing catalog is set aside (force)."""
    library = Library(settings.library_root)
    report = RebuildReport()
    if library.catalog_path.exists() and not (force or add_missing):
        raise RebuildRefused("the catalog exists; rebuild with force=True sets it aside")
    if library.catalog_path.exists() and not add_missing:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        report.set_aside = library.catalog_path.with_name(f"catalog.db.before-rebuild-{stamp}")
        library.catalog_path.rename(report.set_aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{library.catalog_path}{suffix}").unlink(missing_ok=True)
    tasks = [
        FileTask(path.resolve(), "index", "index") for path in iter_media_files(library.originals)
    ]
    with Ingestor(settings, library) as ingestor:
        report.outcomes = ingestor.process(tasks, progress)
    return report
