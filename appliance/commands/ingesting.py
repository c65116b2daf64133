"""What `index` and `import` share: walk folders, run the pipeline, report."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from appliance.catalog import sidecars
from appliance.catalog.maintenance import mark_missing
from appliance.config import Settings
from appliance.ingest.discover import iter_media_files
from appliance.ingest.progress import Progress
from appliance.ingest.runner import Ingestor
from appliance.ingest.tasks import FileTask, Policy


def run_ingest(folders: list[Path], policy: Policy, settings: Settings) -> int:
    """Index or import ``folders``; print a summary and every failure with its reason."""
    roots = [folder.resolve() for folder in folders]
    for root in roots:
        if not root.exists():
            print(f"shoebox: {root} does not exist", file=sys.stderr)
            return 2
    source = "index" if policy == "index" else "import"
    tasks = [FileTask(path, source, policy) for root in roots for path in iter_media_files(root)]
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
    if edited:
        print(f"{edited} sidecars edited outside Shoebox were read")
    for outcome in sorted(outcomes, key=lambda o: str(o.task.path)):
        if outcome.status == "failed":
            print(f"  failed: {outcome.task.path}: {outcome.error}")
    return 0
