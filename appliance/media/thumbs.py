"""Thumbnail cache on disk, addressed by the content SHA-256 of the original.

Layout under ``<library>/cache/``::

    thumbs/grid/ab/abcdef...64 hex....jpg
    thumbs/viewer/ab/abcdef...64 hex....jpg

The first two hex digits fan the files out over 256 folders. Files are written to a
temporary name in the same folder and renamed into place, so a reader never sees a
half-written thumbnail. Everything here is regenerable from the originals, so writes are
not fsynced; :meth:`ThumbnailCache.has` treats an empty file (left by a power cut) as
missing.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from appliance.media.render import Renditions

SIZES = ("grid", "viewer")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ThumbnailCache:
    """Grid and viewer JPEGs stored by content hash under ``cache_dir``."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir) / "thumbs"

    def path(self, sha256: str, size: str) -> Path:
        """Where the ``size`` ("grid" or "viewer") thumbnail of ``sha256`` lives."""
        if size not in SIZES:
            raise ValueError(f"unknown thumbnail size {size!r}; expected one of {SIZES}")
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
        return self.root / size / sha256[:2] / f"{sha256}.jpg"

    def write(self, sha256: str, renditions: Renditions) -> None:
        """Store both thumbnails atomically (viewer first, so ``has`` implies both)."""
        self._write_atomic(self.path(sha256, "viewer"), renditions.viewer_jpeg)
        self._write_atomic(self.path(sha256, "grid"), renditions.grid_jpeg)

    def has(self, sha256: str) -> bool:
        """True when both thumbnails of ``sha256`` are present and non-empty."""
        for size in SIZES:
            try:
                if self.path(sha256, size).stat().st_size == 0:
                    return False
            except FileNotFoundError:
                return False
        return True

    def remove(self, sha256: str) -> None:
        """Delete the thumbnails of ``sha256`` (missing ones are ignored)."""
        for size in SIZES:
            self.path(sha256, size).unlink(missing_ok=True)

    @staticmethod
    def _write_atomic(target: Path, data: bytes) -> None:
        if not data:
            raise ValueError(f"refusing to write an empty thumbnail to {target}")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".jpg", dir=target.parent)
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
