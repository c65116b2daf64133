"""The Raspberry Pi camera through picamera2: the ONLY module that imports picamera2.

picamera2 exists only on a Pi, from apt (``python3-picamera2``), so it is imported lazily,
on the first capture, and its absence is a clear :class:`CaptureError`. The Shoebox venv
sees the apt package only when it was created with ``--system-site-packages`` (the installer
does that).
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from types import ModuleType

from appliance.capture import CaptureError

MISSING = "picamera2 is not installed (Raspberry Pi OS: apt install python3-picamera2)"


def load_picamera2() -> ModuleType:
    """Import picamera2, or raise :class:`CaptureError` saying how to get it."""
    try:
        return importlib.import_module("picamera2")
    except ImportError as exc:
        if exc.name == "picamera2":
            raise CaptureError(MISSING) from exc
        raise CaptureError(
            f"picamera2 is installed but cannot be imported ({exc}); its apt dependencies "
            "(python3-libcamera, a numpy matching the system's) must be visible to this Python"
        ) from exc


class PiCamera:
    """A :class:`~appliance.capture.Camera` for the Raspberry Pi camera module.

    ``warmup`` seconds let auto exposure and white balance settle before the still.
    """

    def __init__(self, camera_index: int = 0, warmup: float = 1.0):
        if warmup < 0:
            raise ValueError("warmup must be >= 0 seconds")
        self.camera_index = camera_index
        self.warmup = warmup

    def capture(self, path: Path) -> Path:
        """Take one full-resolution JPEG still into ``path``."""
        module = load_picamera2()
        try:
            camera = module.Picamera2(self.camera_index)
        except (IndexError, RuntimeError, OSError) as exc:
            message = f"no camera {self.camera_index} found, or it is busy ({exc})"
            raise CaptureError(message) from exc
        try:
            camera.configure(camera.create_still_configuration())
            camera.start()
            time.sleep(self.warmup)
            camera.capture_file(str(path), format="jpeg")
        except (RuntimeError, OSError, ValueError) as exc:
            raise CaptureError(f"camera capture failed: {exc}") from exc
        finally:
            try:
                camera.stop()
            finally:
                camera.close()
        return Path(path)
