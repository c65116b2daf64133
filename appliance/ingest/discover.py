"""Finding candidate files on a folder tree, skipping litter and temporary names."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def iter_media_files(root: Path) -> Iterator[Path]:
    """Every regular, non-ignored file below ``root`` (or ``root`` itself), sorted per folder.

    Symbolic links are not followed, so a link cannot lead the scan out of the tree.
    """
    root = Path(root)
    if root.is_file():
        if not is_ignored_name(root.name):
            yield root
        return
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if is_ignored_name(name):
                continue
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield path
