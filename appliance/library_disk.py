"""Is the library there? A library on a removable disk is required, never assumed.

With ``library_disk`` on, the library root is the mount point of a disk (label SHOEBOX on
the appliance). Without the disk that folder is an empty directory on the SD card: a
library must never be created or served there (its catalogue would hide the real one,
and the setup page would be offered again). The disk is usable when the root is a mount
point of a whole filesystem (not the SD card's folder that systemd binds onto itself for
``ReadWritePaths=``) whose block device still exists; a pulled disk whose mount lingers
(ext4 keeps it until the last file is closed) counts as absent too.

The daemon and the web UI consult :func:`library_state` only; issue-9's lost-catalogue
check runs once the disk is there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from appliance.config import Settings

SYS_BLOCK = Path("/sys/dev/block")


@dataclass(frozen=True)
class LibraryState:
    """Whether the library can be used now, and if not, the sentence that says why."""

    available: bool
    reason: str = ""
    mount_id: int | None = None  # which mount of the disk (None: not on a disk)


def _mount(root: Path, mountinfo: Path) -> tuple[int, tuple[int, int]] | None:
    from appliance.ingest.volumes import mount_of

    try:
        return mount_of(root, mountinfo, whole_filesystem=True)
    except OSError:
        return None


def library_state(
    settings: Settings,
    mountinfo: Path = Path("/proc/self/mountinfo"),
    sys_block: Path = SYS_BLOCK,
    writable: bool = False,
) -> LibraryState:
    """Whether the configured library may be opened (always, unless it is on a disk).

    ``writable`` (the service): the disk must also be writable by this process; a disk just
    plugged in belongs to root until shoebox-library-disk.service has prepared it, and a
    disk remounted read-only after errors cannot hold a library either."""
    if not settings.library_disk:
        return LibraryState(True)
    root = settings.library_root
    waiting = f"waiting for the library disk at {root}"
    mount = _mount(root, mountinfo)
    if mount is None:
        return LibraryState(False, f"{waiting}: it is not plugged in (or not mounted)")
    mount_id, device = mount
    if device[0] != 0 and not (sys_block / f"{device[0]}:{device[1]}").exists():
        return LibraryState(False, f"{waiting}: the disk was removed")
    try:
        os.statvfs(root)
        os.listdir(root)
    except OSError as exc:
        return LibraryState(False, f"{waiting}: the disk cannot be read ({exc.strerror})")
    if writable and not os.access(root, os.W_OK):
        return LibraryState(False, f"{waiting}: the disk cannot be written (not prepared yet?)")
    return LibraryState(True, mount_id=mount_id)


def same_mount(settings: Settings, served: LibraryState) -> LibraryState:
    """The library's state now, as seen by what was started on ``served``: a disk that was
    pulled and plugged back (a new mount) is not the library that was opened, so those who
    hold it (open catalogue connections, a running web app) must stop and start again."""
    state = library_state(settings)
    if state.available and state.mount_id != served.mount_id:
        root = settings.library_root
        return LibraryState(False, f"the library disk at {root} was plugged in again")
    return state


WAITING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>Shoebox is waiting for its library disk</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Shoebox is waiting for its library disk</h1>
<p>{reason}.</p>
<p>Plug in the disk labelled SHOEBOX. Shoebox starts by itself when it is back;
this page reloads every 10 seconds.</p>
</body></html>
"""


def waiting_app(reason: str):  # noqa: ANN201 - a WSGI callable
    """A plain WSGI app that answers every request with 503 and the waiting page."""
    from html import escape

    body = WAITING_PAGE.format(reason=escape(reason)).encode("utf-8")

    def app(environ: dict, start_response) -> list[bytes]:  # noqa: ANN001
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Retry-After", "10"),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]

    return app
