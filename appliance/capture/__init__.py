"""Still capture: a :class:`Camera` writes one photo to a path; see :mod:`.inbox` for the
safe hand-over to the daemon and :mod:`.picamera` for the Raspberry Pi camera."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["Camera", "CaptureError"]


class CaptureError(RuntimeError):
    """A still could not be taken or handed over; the message says why."""


@runtime_checkable
class Camera(Protocol):
    """Anything that can take one still photo."""

    def capture(self, path: Path) -> Path:
        """Write one complete JPEG to ``path`` (which does not exist yet); return the path
        actually written (normally ``path`` itself)."""
        ...
