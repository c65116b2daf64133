"""Where a catalogued file's bytes are read from, checked: a stored original must stay inside
the library's originals/, a file indexed in place must be a plain file reached without
symlinks. The web routes (serving, zips, shares) and the transcoder share this one rule."""

from __future__ import annotations

import os
from pathlib import Path

from appliance.catalog.files import present_locations
from appliance.catalog.models import File
from appliance.library import Library


class UnsafePath(PermissionError):
    """A catalog path that must not be read or served."""


def inside(path: Path, base: Path) -> Path:
    """``path`` resolved, refused (UnsafePath) when it leaves ``base``."""
    base = base.resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(base):
        raise UnsafePath(f"{path} leaves {base}")
    return resolved


def original_path(lib: Library, file: File) -> Path:
    """The copy of ``file`` to read; raises UnsafePath or FileNotFoundError."""
    if file.stored_path:
        rel = Path(file.stored_path)
        if rel.is_absolute() or ".." in rel.parts:
            raise UnsafePath(f"stored path {file.stored_path!r} is not a plain relative path")
        path = inside(lib.originals / rel, lib.originals)
        if path.is_file():
            return path
        raise FileNotFoundError(file.stored_path)
    for loc in present_locations(file.id):
        path = Path(loc.path)
        if not path.is_absolute() or ".." in path.parts:
            continue
        # Indexed in place: refuse any symlink on the way, so a link cannot lead elsewhere.
        if os.path.realpath(path) != os.path.normpath(path):
            raise UnsafePath(f"{path} goes through a symlink")
        if path.is_file():
            return path
    raise FileNotFoundError(f"no readable copy of {file.sha256}")
