"""Removable volumes (USB disks, SD cards): find the photos, know the volume again, import.

A volume is recognised by its filesystem UUID, so jobs paused when it was unplugged resume
when it returns, wherever it is mounted. Volumes are only ever read (policy "copy").
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from appliance.catalog import queue as job_queue
from appliance.ingest import jobs
from appliance.ingest.discover import iter_media_files

log = logging.getLogger(__name__)

MEDIA_DIR = "dcim"
MEDIA_DEPTH = 2  # DCIM/ at the top, or one folder down (some card readers, phone backups)


class VolumeError(RuntimeError):
    """A volume cannot be imported (missing, no UUID, ...)."""


def find_media_roots(mount: Path) -> list[Path]:
    """The ``DCIM`` folders of a volume (any case, up to two levels down), else the volume."""
    mount = Path(mount)
    if not mount.is_dir():
        raise VolumeError(f"{mount} is not a mounted folder")
    found: list[Path] = []
    level = [mount]
    for _ in range(MEDIA_DEPTH):
        below: list[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False) or entry.name.startswith("."):
                    continue
                if entry.name.lower() == MEDIA_DIR:
                    found.append(Path(entry.path))
                else:
                    below.append(Path(entry.path))
        if found:
            return found
        level = below
    return [mount]


def iter_volume_media(mount: Path) -> Iterator[Path]:
    """Every candidate file of a volume, DCIM first-class."""
    for root in find_media_roots(mount):
        yield from iter_media_files(root)


def _unescape_mountinfo(text: str) -> str:
    return text.encode().decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def mount_of(
    mount: Path, mountinfo: Path = Path("/proc/self/mountinfo"), whole_filesystem: bool = False
) -> tuple[int, tuple[int, int]] | None:
    """(mount id, (major, minor)) of the filesystem mounted exactly at ``mount``, None if
    not a mount. The mount id is new for every mount, so a disk pulled and plugged back
    (even into the same device number) is told apart from the one mounted before.

    ``whole_filesystem``: only a filesystem's root counts, not a folder of one bound onto
    itself, as systemd's ``ReadWritePaths=`` does in a service's sandbox: there an empty
    mount point on the SD card would otherwise look like a mounted disk."""
    target = str(Path(mount).resolve())
    found = None
    for line in mountinfo.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split()
        if whole_filesystem and len(fields) > 3 and fields[3] != "/":
            continue
        if len(fields) > 4 and _unescape_mountinfo(fields[4]) == target:
            major, minor = fields[2].split(":")
            found = (int(fields[0]), (int(major), int(minor)))  # the last one wins (stacked)
    return found


def device_of(
    mount: Path, mountinfo: Path = Path("/proc/self/mountinfo")
) -> tuple[int, int] | None:
    """(major, minor) of the filesystem mounted exactly at ``mount``, None if not a mount."""
    found = mount_of(mount, mountinfo)
    return found[1] if found else None


def volume_uuid(
    mount: Path,
    mountinfo: Path = Path("/proc/self/mountinfo"),
    udev_data: Path = Path("/run/udev/data"),
    by_uuid: Path = Path("/dev/disk/by-uuid"),
) -> str:
    """The filesystem UUID of the volume mounted at ``mount`` (from udev's records)."""
    device = device_of(mount, mountinfo)
    if device is None:
        raise VolumeError(f"{mount} is not a mount point; pass its UUID with --uuid")
    record = udev_data / f"b{device[0]}:{device[1]}"
    if record.is_file():
        for line in record.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("E:ID_FS_UUID="):
                return line.split("=", 1)[1].strip()
    if by_uuid.is_dir():
        for link in by_uuid.iterdir():
            try:
                rdev = link.stat().st_rdev
            except OSError:
                continue
            if (os.major(rdev), os.minor(rdev)) == device:
                return link.name
    raise VolumeError(f"no filesystem UUID known for {mount}; pass it with --uuid")


FILESYSTEM_NAMES = {"vfat": "FAT", "exfat": "exFAT", "ntfs": "NTFS", "hfsplus": "Mac (HFS+)"}


def volume_name(
    mount: Path,
    mountinfo: Path = Path("/proc/self/mountinfo"),
    udev_data: Path = Path("/run/udev/data"),
) -> str:
    """What the family calls the volume: its label and filesystem (``EOS_DIGITAL, exFAT``),
    from udev's records; the mount point's name when udev knows nothing of it."""
    device = device_of(mount, mountinfo)
    record = udev_data / f"b{device[0]}:{device[1]}" if device else None
    props: dict[str, str] = {}
    if record is not None and record.is_file():
        for line in record.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("E:") and "=" in line:
                key, _, value = line[2:].partition("=")
                props[key] = value.strip()
    label = props.get("ID_FS_LABEL") or props.get("ID_MODEL") or Path(mount).name
    fstype = props.get("ID_FS_TYPE")
    return f"{label}, {FILESYSTEM_NAMES.get(fstype, fstype)}" if fstype else label


def volume_present(uuid: str) -> bool:
    """Whether the volume is still where it was last mounted (and not an empty mount point).

    When that folder is a mount point, the filesystem there must be this volume: another
    card in the same slot is not.
    """
    mount = job_queue.remembered_mount(uuid)
    if mount is None:
        return False
    try:
        if not (mount.is_dir() and any(mount.iterdir())):
            return False
        if device_of(mount) is None:
            return True  # a plain folder (tests, --uuid imports of a copied card)
        return volume_uuid(mount) == uuid
    except (OSError, VolumeError):
        return False


@dataclass
class VolumeReport:
    """What one import of a volume did."""

    uuid: str
    mount: Path
    roots: list[Path]
    queued: int = 0
    resumed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return (
            self.counts.get("pending", 0)
            + self.counts.get("running", 0)
            + self.counts.get("paused", 0)
            == 0
        )


def queue_volume(mount: Path, uuid: str) -> VolumeReport:
    """Queue every media file of a mounted volume (copy, never modify); resume paused jobs.

    The catalog must be open. Files already imported unchanged are not queued again.
    """
    mount = Path(mount).resolve()
    if not uuid:
        raise VolumeError("a volume needs a UUID")
    roots = find_media_roots(mount)
    old = job_queue.remembered_mount(uuid)
    job_queue.remember_mount(uuid, mount)
    report = VolumeReport(uuid, mount, roots)
    report.resumed = job_queue.resume_volume(uuid, mount, old)
    for root in roots:
        for path in iter_media_files(root):
            try:
                st = path.stat()
            except OSError as exc:
                log.warning("cannot read %s: %s", path, exc)
                continue
            job = job_queue.enqueue(path, "volume", "copy", uuid, st.st_size, st.st_mtime)
            report.queued += job is not None
    report.counts = job_queue.counts(uuid)
    return report


def drain_volume(
    ingestor: object,
    uuid: str,
    batch_size: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Process this volume's jobs in this process until none is pending; return counts."""
    while not should_stop():
        batch = job_queue.claim_due(batch_size, volume_uuid=uuid)
        if batch:
            jobs.execute(ingestor, batch, volume_present)  # type: ignore[arg-type]
            continue
        wait = job_queue.next_due_in(volume_uuid=uuid)
        if wait is None:
            break
        time.sleep(min(wait, 1.0) + 0.05)
    return job_queue.counts(uuid)


def wait_for_daemon(
    uuid: str, poll: float = 5.0, should_stop: Callable[[], bool] = lambda: False
) -> dict[str, int]:
    """Wait while the running daemon works through this volume's jobs; return counts.

    Polls every ``poll`` s: the daemon notices an unplug itself, so this loop only needs to
    be cheap (it shares a small CPU with the import it waits for)."""
    while not should_stop():
        counts = job_queue.counts(uuid)
        if counts["pending"] + counts["running"] == 0:
            return counts
        if not volume_present(uuid):
            job_queue.pause_volume(uuid, "volume removed; waiting for it to return")
        time.sleep(poll)
    return job_queue.counts(uuid)
