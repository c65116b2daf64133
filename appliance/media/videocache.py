"""Where the library caches movies it made, by the SHA-256 of the file they belong to.

Layout under ``<library>/cache/``::

    motion/ab/<sha256>.mp4     the movie cut out of a Motion Photo (as the phone wrote it)
    video/ab/<sha256>.mp4      the browser-playable H.264/AAC transcode (720p, faststart)
    video/ab/<sha256>.error    why a transcode failed (text), so it is not retried forever

Everything here is regenerable from the originals. A transcode is written to a temporary
name and renamed into place when ffmpeg finished, so a present ``.mp4`` is always complete.
"""

from __future__ import annotations

import re
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class VideoCache:
    """Paths of extracted motion movies and transcodes under ``cache_dir``."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir)

    def _path(self, folder: str, sha256: str, suffix: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
        return self.root / folder / sha256[:2] / f"{sha256}{suffix}"

    def motion(self, sha256: str) -> Path:
        """The movie extracted from the Motion Photo ``sha256``."""
        return self._path("motion", sha256, ".mp4")

    def transcode(self, sha256: str) -> Path:
        """The playable transcode of the movie of ``sha256``."""
        return self._path("video", sha256, ".mp4")

    def failure(self, sha256: str) -> Path:
        """The reason the transcode of ``sha256`` failed."""
        return self._path("video", sha256, ".error")

    def has_transcode(self, sha256: str) -> bool:
        try:
            return self.transcode(sha256).stat().st_size > 0
        except FileNotFoundError:
            return False

    def failure_reason(self, sha256: str) -> str | None:
        try:
            return self.failure(sha256).read_text(errors="replace").strip() or "failed"
        except FileNotFoundError:
            return None
