"""Finding candidate files on a folder tree, skipping litter and temporary names."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from fnmatch import fnmatch
from pathlib import Path

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini", "ehthumbs.db", ".picasa.ini"}
IGNORED_PATTERNS = ("._*", ".~*", "~$*", "*.part", "*.partial", "*.crdownload", "*.tmp", ".in.*")
# XMP sidecars (NAME.EXT.xmp) are read with their photo, not catalogued as files
SIDECAR_SUFFIXES = (".xmp",)
IGNORED_DIRS = {"@eaDir", "$RECYCLE.BIN", "System Volume Information", "lost+found", ".incoming"}


def is_ignored_name(name: str) -> bool:
    """Hidden files, OS litter and names that uploaders use while a file is incomplete."""
    if name.startswith(".") or name in IGNORED_NAMES:
        return True
    if name.lower().endswith(SIDECAR_SUFFIXES):
        return True
    return any(fnmatch(name, pattern) for pattern in IGNORED_PATTERNS)


Skipped = Callable[[Path, str], None]
_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file_reason(path: Path) -> str | None:
    """Why ``path`` is not a file to import (FIFO, socket, device), or None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    for test, what in _SPECIAL:
        if test(mode):
            return f"skipped: {what}, not a photo"
    return None


def iter_media_files(root: Path, skipped: Skipped | None = None) -> Iterator[Path]:
    """Every regular, non-ignored file below ``root`` (or ``root`` itself), sorted per folder.

    Symbolic links are not followed, so a link cannot lead the scan out of the tree.
    FIFOs, sockets, devices and folders that cannot be read are passed to ``skipped``
    with the reason (never opened: reading a FIFO would block).
    """
    root = Path(root)
    report = skipped or (lambda path, reason: None)
    if root.is_file():
        if not is_ignored_name(root.name):
            yield root
        return

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        report(where, f"cannot read the folder: {exc.strerror or exc}")

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if is_ignored_name(name):
                continue
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield path
                continue
            reason = special_file_reason(path)
            if reason:
                report(path, reason)
