"""Cameras and phones in PTP/MTP mode, through the `gphoto2` command when it is installed.

A camera is not a filesystem, so its photos are first downloaded (read-only: nothing is
ever deleted on the camera) into `<library>/staging/<camera id>/`, keeping the camera's
folders, and then imported like a USB volume under the id ``ptp-<camera id>``. Every
session starts from an empty staging folder: a download cut short by an unplug can leave
a truncated file, which must not be trusted later. Photos imported before come back as
duplicates (by content) and cost only their download.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from appliance.catalog import lookup
from appliance.media.hashing import sha256_file

DOWNLOAD_TIMEOUT = 6 * 3600  # a phone with years of photos over USB 2


class CameraError(RuntimeError):
    """gphoto2 is missing, or the camera could not be read."""


@dataclass(frozen=True)
class Camera:
    model: str
    port: str


def gphoto2() -> str:
    """Path of the gphoto2 command, or a clear error."""
    path = shutil.which("gphoto2")
    if path is None:
        raise CameraError("gphoto2 is not installed (Debian/Raspberry Pi OS: apt install gphoto2)")
    return path


def _run(args: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(
            [gphoto2(), *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise CameraError(f"gphoto2 {args[0]} did not finish in {timeout:.0f} s") from exc
    if done.returncode != 0:
        message = " ".join(line for line in done.stderr.split("\n") if "***" not in line)
        raise CameraError(f"gphoto2 failed: {' '.join(message.split())[:300]}")
    return done.stdout


def parse_auto_detect(text: str) -> list[Camera]:
    """Cameras from `gphoto2 --auto-detect` (a header, a rule, then "model   port" rows)."""
    cameras = []
    for line in text.splitlines()[2:]:
        match = re.match(r"^(.*?\S)\s{2,}(\S+)\s*$", line)
        if match:
            cameras.append(Camera(match.group(1), match.group(2)))
    return cameras


def detect_cameras() -> list[Camera]:
    return parse_auto_detect(_run(["--auto-detect"], timeout=30))


def _select(camera: Camera) -> list[str]:
    return ["--camera", camera.model, "--port", camera.port]


def camera_id(camera: Camera) -> str:
    """A stable name for a camera: its serial number when it tells, else its model.

    The USB port changes at every plug-in, so it is never part of the id.
    """
    try:
        config = _run([*_select(camera), "--get-config", "serialnumber"], timeout=30)
        found = re.search(r"^Current:\s*(\S.*)$", config, re.MULTILINE)
        serial = found.group(1).strip() if found else ""
    except CameraError:
        serial = ""
    key = serial or camera.model
    slug = re.sub(r"[^a-z0-9]+", "-", camera.model.lower()).strip("-")[:40] or "camera"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def download(camera: Camera, staging: Path) -> list[Path]:
    """Download every file of ``camera`` into an emptied ``staging`` (folders kept)."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    _run(
        [*_select(camera), "--get-all-files", "--filename", f"{staging}/%F/%f.%C"],
        timeout=DOWNLOAD_TIMEOUT,
    )
    return sorted(p for p in staging.rglob("*") if p.is_file())


def clear_imported(staging: Path) -> int:
    """Delete staged files whose content the library now stores; keep the rest (failures
    stay for the user to see; the camera still holds every original). Return how many
    staged files remain."""
    left = 0
    for path in sorted(staging.rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
            continue
        known = lookup.file_by_sha(sha256_file(path))
        if known is not None and known.stored:
            path.unlink()
        else:
            left += 1
    if staging.is_dir() and not any(staging.iterdir()):
        staging.rmdir()
    return left
