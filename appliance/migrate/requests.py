"""Moving in from the web UI: an admin picks an export found on a plugged drive or a server
folder; the service runs ``shoebox import`` on it as a child process, one at a time.

The web process only writes a request (``<library>/migrations/requests/<digest>.json``,
written whole and renamed into place); the service's loop (:class:`MovingIn`) starts the
import, follows it, and removes the request once the import ran to its end. A service
restart cuts the child; the request stays, and the import resumes after its last finished
batch (`export_import`'s resume record). Progress is the import's own (`progress`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from appliance.migrate.exports_found import find_exports
from appliance.migrate.progress import FOLDER

log = logging.getLogger(__name__)

REQUESTS = "requests"
MAX_TRIES = 3  # a request whose import dies three times is set aside (``.failed``)
RETRY_AFTER = 60.0  # seconds before a died import is started again
LOOK_DEPTH = 3  # folders below an export folder (a drive's own folder, then two more)


@dataclass(frozen=True)
class Request:
    file: Path
    sources: list[Path]
    tries: int


def offered(folders: list[Path]) -> list[Path]:
    """The exports an admin may bring home: every Takeout or iCloud archive in the export
    folders (the plugged drives' mount points, server folders), at most three folders
    down. A request may name only these: nothing else on the box is reachable."""
    found: list[Path] = []
    for folder in folders:
        found += find_exports(Path(folder), LOOK_DEPTH)
    return sorted(set(found))


def _folder(library: Path) -> Path:
    return library / FOLDER / REQUESTS


def ask(library: Path, sources: list[Path]) -> Request:
    """Ask the service to import these archives (all parts of one export); the same
    sources asked twice are one request."""
    sources = sorted(Path(s) for s in sources)
    digest = hashlib.sha256("\n".join(map(str, sources)).encode()).hexdigest()[:16]
    folder = _folder(library)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.json"
    if not target.exists():
        _write(target, sources, 0)
    return Request(target, sources, 0)


def _write(target: Path, sources: list[Path], tries: int) -> None:
    """The request written whole, then renamed into place (a reader never sees half)."""
    partial = target.with_name(f".{target.stem}.{os.getpid()}.partial")
    data = {"sources": [str(s) for s in sources], "tries": tries, "asked": time.time()}
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, target)


def pending(library: Path) -> list[Request]:
    """Requests not yet run to their end, oldest first."""
    out = []
    files = sorted(_folder(library).glob("*.json"), key=lambda p: p.stat().st_mtime)
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            out.append(Request(file, [Path(s) for s in data["sources"]], int(data["tries"])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("moving in: unreadable request %s (%s): set aside", file.name, exc)
            file.replace(file.with_suffix(".failed"))
    return out


class MovingIn:
    """The service's runner of asked imports: at most one child at a time."""

    def __init__(self, library: Path) -> None:
        self.library = library
        self.child: subprocess.Popen | None = None
        self.running: Request | None = None
        self.not_before = 0.0

    def run_if_due(self) -> None:
        """Follow the running import; start the next asked one. Never raises."""
        try:
            if self.child is not None:
                self._follow()
            elif time.monotonic() >= self.not_before:
                requests = pending(self.library)
                if requests:
                    self._start(requests[0])
        except OSError as exc:
            log.error("moving in: %s", exc)

    def _start(self, request: Request) -> None:
        log_file = request.file.with_suffix(".log")
        command = [sys.executable, "-m", "appliance.cli", "--library", str(self.library)]
        command += ["import", *map(str, request.sources)]
        with open(log_file, "ab") as out:  # the child reads the service's own settings
            self.child = subprocess.Popen(command, stdout=out, stderr=out)
        self.running = request
        log.info("moving in: importing %s (pid %d)", request.sources[0].name, self.child.pid)

    def _follow(self) -> None:
        assert self.child is not None and self.running is not None
        code = self.child.poll()
        if code is None:
            return
        request, self.child, self.running = self.running, None, None
        if code in (0, 1):  # ran to its end (1: some files failed, each in its report)
            request.file.unlink(missing_ok=True)
            log.info("moving in: %s finished (exit %d)", request.sources[0].name, code)
            return
        tries = request.tries + 1
        if tries >= MAX_TRIES:
            log.error("moving in: %s failed %d times: set aside", request.sources[0].name, tries)
            request.file.replace(request.file.with_suffix(".failed"))
            return
        _write(request.file, request.sources, tries)
        self.not_before = time.monotonic() + RETRY_AFTER

    def stop(self) -> None:
        """The service stops: the child is ended; its request resumes at the next start."""
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.child.kill()
