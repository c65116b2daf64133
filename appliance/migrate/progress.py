"""A migration's progress, as one task others can follow (`shoebox status`, the status
page): a small JSON file per run in ``<library>/migrations/``, replaced whole after each
batch by the importing process, read by anyone. Never in the catalogue: a migration is
a command beside the service, and the status must be readable while it holds the writer.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from appliance.processes import pid_alive

FOLDER = "migrations"
SHOWN_FOR = 7 * 86400  # a finished migration stays on the status page for a week


@dataclass
class Progress:
    kind: str  # "Google Takeout"
    sources: list[str]
    files_total: int
    bytes_total: int
    json_matched: int = 0
    json_unmatched: int = 0
    files_done: int = 0
    bytes_done: int = 0
    added: int = 0
    duplicates: int = 0
    failed: int = 0
    resumed: int = 0
    state: str = "running"  # running | finished
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    report: str = ""  # the report file, once finished

    bytes_resumed: int = 0  # of bytes_done, those an earlier run did

    def _rate(self) -> float:
        """Bytes a second this run (not the resumed part), once it has run a second."""
        elapsed = self.updated - self.started
        return (self.bytes_done - self.bytes_resumed) / elapsed if elapsed >= 1 else 0.0

    def mb_per_second(self) -> float:
        return round(self._rate() / 2**20, 2)

    def eta_seconds(self) -> int | None:
        if self.state != "running":
            return 0
        rate = self._rate()
        return round(max(self.bytes_total - self.bytes_done, 0) / rate) if rate > 0 else None

    def save(self, path: Path) -> None:
        self.updated = time.time()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        data = asdict(self) | {"mb_per_s": self.mb_per_second(), "eta_seconds": self.eta_seconds()}
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, path)


def current(library_root: Path, now: float | None = None) -> list[dict[str, Any]]:
    """The migrations to show: running ones, and those finished in the last week. A run
    whose process is gone without finishing is shown as "stopped" (run it again: it
    resumes)."""
    now = time.time() if now is None else now
    shown: list[dict[str, Any]] = []
    for path in sorted((library_root / FOLDER).glob("*.progress.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or now - float(data.get("updated", 0)) > SHOWN_FOR:
            continue
        if data.get("state") == "running" and not pid_alive(int(data.get("pid", 0))):
            data["state"] = "stopped"
        shown.append(data)
    return shown


def describe(data: dict[str, Any]) -> str:
    """One line for `shoebox status` and the status page."""
    done, total = data.get("files_done", 0), data.get("files_total", 0)
    text = (
        f"{data.get('kind', 'migration')} ({len(data.get('sources', []))} archives or folders): "
        f"{data.get('state')}, {done} of {total} files, {total - done} left, "
        f"{data.get('mb_per_s', 0)} MB/s"
    )
    if data.get("state") == "running" and data.get("eta_seconds") is not None:
        text += f", about {round(data['eta_seconds'] / 60)} min left"
    text += (
        f"; JSON matched {data.get('json_matched', 0)}, unmatched {data.get('json_unmatched', 0)}"
        f"; {data.get('duplicates', 0)} duplicates skipped, {data.get('failed', 0)} failed"
    )
    if data.get("state") == "stopped":
        text += "; stopped before the end: run the same import again to resume"
    if data.get("report"):
        text += f"; report: {data['report']}"
    return text
