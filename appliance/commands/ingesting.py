"""What `index` and `import` share: walk folders, run the pipeline, report."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from appliance.catalog import sidecars
from appliance.catalog.fields import shown
from appliance.catalog.health import library_usable
from appliance.catalog.maintenance import mark_missing
from appliance.config import Settings
from appliance.ingest.discover import iter_media_files
from appliance.ingest.progress import Progress
from appliance.ingest.runner import Ingestor
from appliance.records import FileTask, Policy


def run_ingest(folders: list[Path], policy: Policy, settings: Settings) -> int:
    """Index or import ``folders``; print a summary and every failure with its reason.

    ``import`` exits 1 when files failed or folders could not be read, else 0.
    """
    roots = [folder.resolve() for folder in folders]
    for root in roots:
        if not root.exists():
            print(f"shoebox: {root} does not exist", file=sys.stderr)
            return 2
    source = "index" if policy == "index" else "import"
    skipped: list[tuple[Path, str]] = []
    if not library_usable(settings):
        return 4
    tasks = [
        FileTask(path, source, policy)
        for root in roots
        for path in iter_media_files(root, lambda path, why: skipped.append((path, why)))
    ]
    progress = Progress(len(tasks))
    with Ingestor(settings) as ingestor:
        outcomes = ingestor.process(tasks, progress)
        progress.close()
        missing = 0
        if policy == "index":
            seen = {str(task.path) for task in tasks}
            missing = sum(mark_missing(str(root), seen) for root in roots)
        edited = sidecars.rescan(ingestor.library)  # sidecars edited outside Shoebox
    counts = Counter(outcome.status for outcome in outcomes)
    print(
        f"{len(outcomes)} files: {counts['added']} added, {counts['duplicate']} duplicates, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed, {missing} now missing"
    )
    if counts["restored"]:
        print(f"{counts['restored']} photos were in the trash and are back in the library")
    if edited:
        print(f"{edited} sidecars edited outside Shoebox were read")
    for outcome in sorted(outcomes, key=lambda o: str(o.task.path)):
        if outcome.status == "failed":
            print(f"  failed: {shown(outcome.task.path)}: {shown(outcome.error)}")
    for path, why in skipped:
        print(f"  {shown(path)}: {why}")
    if policy == "index":
        return 0  # indexing records broken files in place; the list above explains them
    unreadable = any(why.startswith("cannot read") for _, why in skipped)
    return 1 if counts["failed"] or unreadable else 0
