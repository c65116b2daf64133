"""The catalogue file belongs to SQLite: the rules Shoebox keeps so that no process can
corrupt ``catalog.db`` or lose a commit another process made (SQLite's "How To Corrupt An
SQLite Database File"; docs/architecture.md lists every hazard and where it is handled).

- :func:`check_catalog_location` refuses a catalogue file on a network filesystem (broken
  or missing locks) or with more than one hard link (SQLite locks by inode, and a second
  name would pair the file with the wrong journal).
- :func:`install_guard` (in every Shoebox process, unless ``SHOEBOX_GUARD_CATALOG_FILE=0``)
  makes any ``open()``
  of ``catalog.db``, ``-wal``, ``-shm`` or ``-journal`` by Shoebox's own code, and any
  ``os.fork()`` by it, raise :class:`CatalogFileRuleBroken` instead of happening: a plain
  ``open()``/``close()`` cancels every SQLite lock the process holds, and a forked child
  inherits open connections.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CATALOG_FILE_NAMES = frozenset(
    {"catalog.db", "catalog.db-wal", "catalog.db-shm", "catalog.db-journal"}
)
# filesystems whose POSIX locks SQLite cannot rely on (or that are not on this machine)
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "fuse.sshfs", "fuse.rclone"}
)
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + os.sep
GUARD_ENV = "SHOEBOX_GUARD_CATALOG_FILE"


class CatalogFileRuleBroken(RuntimeError):
    """Shoebox's own code tried to open the catalogue file without SQLite, or to fork."""


def filesystem_type(path: Path, mountinfo: str | None = None) -> str:
    """The type of the filesystem holding ``path`` (from ``/proc/self/mountinfo``)."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return ""
    target = os.path.realpath(path)
    best, best_type = "", ""
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields = before.split()
        if len(fields) < 5 or not after:
            continue
        mount_point = fields[4].encode().decode("unicode_escape")  # \040 for a space
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, after.split()[0]
    return best_type


def check_catalog_location(path: Path) -> str | None:
    """Why ``path`` must not hold an SQLite catalogue, None when it may."""
    fs_type = filesystem_type(path.parent)
    if fs_type in NETWORK_FILESYSTEMS:
        return (
            f"{path} is on a network filesystem ({fs_type}), whose file locks SQLite cannot "
            "trust: keep the library on a local disk, or put the catalogue on PostgreSQL "
            "(catalog_url = postgresql://...)"
        )
    try:
        links = path.stat().st_nlink
    except FileNotFoundError:
        return None
    if links > 1:
        return (
            f"{path} has {links} hard links: SQLite locks and pairs journals by name, so a "
            "second name can corrupt it; remove the other link"
        )
    return None


def _called_from_shoebox() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            return True
        frame = frame.f_back
    return False


def _audit(event: str, args: tuple) -> None:
    if event == "open":
        path = args[0]
        if isinstance(path, int) or path is None:
            return
        if os.path.basename(os.fsdecode(path)) not in CATALOG_FILE_NAMES:
            return
        if _called_from_shoebox():
            raise CatalogFileRuleBroken(
                f"{os.fsdecode(path)} opened without SQLite: only SQLite opens the catalogue "
                "file (a plain open()/close() cancels this process's SQLite locks)"
            )
    elif event == "os.fork" and _called_from_shoebox():
        raise CatalogFileRuleBroken(
            "os.fork() from Shoebox: a child would inherit open catalogue connections; "
            "start processes with subprocess or the 'spawn' context"
        )


_installed = False


def install_guard() -> None:
    """Enforce the rule in this process from now on (idempotent; cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True


def install_guard_unless_disabled() -> None:
    """Install the guard unless ``SHOEBOX_GUARD_CATALOG_FILE=0``: a broken rule is then an
    exception in the code that broke it, never a commit lost later in another process."""
    if os.environ.get(GUARD_ENV, "1") != "0":
        install_guard()
