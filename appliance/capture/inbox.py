"""Capture a still into an inbox folder so that the daemon only ever sees complete files.

The camera writes to a hidden temporary name in the inbox itself (the watcher ignores names
starting with "."); the file is flushed to disk and then renamed to its final name in one
step, without ever replacing an existing file. The watcher sees a single "moved in" event.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno
import os
from pathlib import Path

from appliance.capture import Camera, CaptureError

_RENAME_NOREPLACE = 1
_AT_FDCWD = -100
_FILE_MODE = 0o664  # group-readable and -removable: the daemon moves it into the library


def _libc_renameat2() -> object | None:
    name = ctypes.util.find_library("c")
    try:
        func = ctypes.CDLL(name, use_errno=True).renameat2 if name else None
    except (OSError, AttributeError):
        return None
    if func is not None:
        func.argtypes = [
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_uint,
        ]
        func.restype = ctypes.c_int
    return func


_RENAMEAT2 = _libc_renameat2()


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` atomically; FileExistsError if ``dst`` exists."""
    if _RENAMEAT2 is not None:
        result = _RENAMEAT2(  # type: ignore[operator]
            _AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE
        )
        if result == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS):  # unsupported filesystem: fall back
            raise OSError(err, os.strerror(err), str(dst))
    if dst.exists() or dst.is_symlink():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def capture_to_inbox(
    camera: Camera, inbox: Path, now: dt.datetime | None = None, attempts: int = 100
) -> Path:
    """Take one still with ``camera`` into ``inbox`` as ``capture-YYYYmmdd-HHMMSS.jpg``
    (``-2``, ``-3``... when taken) and return its final path."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise CaptureError(f"inbox folder {inbox} does not exist")
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    temp = inbox / f".capture-{stamp}-{os.getpid()}.jpg.part"
    written: Path | None = None
    try:
        written = Path(camera.capture(temp))
        if written.parent.resolve() != inbox.resolve():
            raise CaptureError(f"camera wrote {written}, outside the inbox {inbox}")
        try:
            size = written.stat().st_size
        except OSError as exc:
            raise CaptureError(f"camera reported {written} but it is not there ({exc})") from exc
        if size == 0:
            raise CaptureError("camera wrote an empty file")
        os.chmod(written, _FILE_MODE)
        _fsync(written)
        for n in range(1, attempts + 1):
            final = inbox / (f"capture-{stamp}.jpg" if n == 1 else f"capture-{stamp}-{n}.jpg")
            try:
                rename_noreplace(written, final)
            except FileExistsError:
                continue
            _fsync(inbox, directory=True)
            written = None
            return final
        raise CaptureError(f"{attempts} captures named capture-{stamp}* already in {inbox}")
    except OSError as exc:
        raise CaptureError(f"cannot write the capture into {inbox}: {exc}") from exc
    finally:
        for leftover in {temp, written} - {None}:
            with contextlib.suppress(OSError):
                leftover.unlink()  # type: ignore[union-attr]
