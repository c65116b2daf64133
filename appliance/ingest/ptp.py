"""Cameras and phones in PTP/MTP mode, through the `gphoto2` command when it is installed.

A camera is not a filesystem, so its photos are first downloaded (read-only: nothing is
ever deleted on the camera) into `<library>/staging/<camera id>/`, keeping the camera's
folders, and then imported like a USB volume under the id ``ptp-<camera id>``.

gphoto2 writes each file to a temporary file in its working directory and renames it into
place, so it runs *in* the staging folder (same filesystem; the unit's ``/`` is read-only,
where it used to "save" every file and store none). A file under its final name is
therefore whole: a download cut short by an unplug resumes with ``--skip-existing``, and
only the temporary files of the cut are removed. Photos imported and cleared before come
back as duplicates (by content) and cost only their download. A phone that answers a
session with a USB error while it is still plugged in is tried again (``RETRY_PAUSES``).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from appliance.catalog import lookup
from appliance.media.hashing import sha256_file

DOWNLOAD_TIMEOUT = 6 * 3600  # a phone with years of photos over USB 2
# A phone just plugged in (or plugged again at once) may answer its first session with a
# USB error while it settles ("PTP I/O Error", "Could not claim the USB device", busy):
# while it is still there, the download is tried again after these pauses (seconds); each
# try resumes with --skip-existing.
RETRY_PAUSES = (5.0, 15.0)
_SETTLING = re.compile(r"I/O|claim the USB device|busy", re.IGNORECASE)


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


class NothingVisible(CameraError):
    """The camera or phone shows no file: locked, in "charging only" mode, not trusted."""


class CameraGone(CameraError):
    """The camera or phone was unplugged (or switched off) during the session."""


HOW_TO_SHOW_FILES = (
    "Unlock the phone and choose File transfer (Android: the USB notification, "
    '"File transfer"; iPhone: unlock it and tap "Trust"), or check the camera\'s card'
)
TEMPORARY = "tmpfile*"  # gphoto2's names for files being downloaded


def _run(args: list[str], timeout: float, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            [gphoto2(), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=cwd,
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


def is_present(camera: Camera) -> bool:
    """Whether ``camera`` is still plugged in (a failed download: unplugged, or an error?)."""
    if camera.port.startswith("disk:"):  # libgphoto2's "Directory Browse" (a folder)
        return Path(camera.port.removeprefix("disk:")).is_dir()
    try:
        return camera.port in {c.port for c in detect_cameras()}
    except CameraError:
        return False


def download(camera: Camera, staging: Path) -> list[Path]:
    """Download every file of ``camera`` into ``staging`` (folders kept) and return the
    staged files. Files already staged whole (a session cut short) are not fetched again.

    Raises NothingVisible when the camera shows no file, CameraGone when it went away
    mid-download, CameraError when gphoto2 named files but none arrived."""
    staging.mkdir(parents=True, exist_ok=True)
    for pause in (*RETRY_PAUSES, None):
        try:
            output = _download_once(camera, staging)
            break
        except CameraError as exc:
            if not is_present(camera):
                raise CameraGone(f"{camera.model} was unplugged during the download") from exc
            if pause is None or not _SETTLING.search(str(exc)):
                raise
            print(f"{camera.model}: {exc}; trying again in {pause:.0f} s", file=sys.stderr)
            time.sleep(pause)
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    named = len(re.findall(r"^(Saving file as|Skip existing file) ", output, re.MULTILINE))
    if named and not files:
        raise CameraError(
            f"gphoto2 named {named} files on {camera.model} but stored none in {staging}"
        )
    if not named and not files:
        raise NothingVisible(f"no photo is visible on {camera.model}. {HOW_TO_SHOW_FILES}.")
    return files


def _download_once(camera: Camera, staging: Path) -> str:
    """One gphoto2 session fetching what is not staged yet; its output. Temporary files of
    a session cut short are removed before and after."""
    for partial in staging.glob(TEMPORARY):
        partial.unlink()
    try:
        return _run(
            [
                *_select(camera),
                "--get-all-files",
                "--skip-existing",
                "--filename",
                f"{staging}/%F/%f.%C",
            ],
            timeout=DOWNLOAD_TIMEOUT,
            cwd=staging,
        )
    finally:
        for partial in staging.glob(TEMPORARY):
            partial.unlink()


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
