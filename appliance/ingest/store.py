"""Storing originals safely: verified copies, collision-safe names, crash recovery.

A copy is written to ``originals/.incoming/<sha256>.partial``, fsynced, renamed to
``.incoming/<sha256>`` and verified by reading it back from disk. The catalog row with the
final name is committed first; only then is the verified copy renamed into place. At start
:func:`recover_incoming` finishes renames whose rows were committed and deletes the rest,
so a crash at any point leaves neither an orphan nor a half-written file in ``originals/``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import re
import stat
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from appliance.media.hashing import CHUNK

log = logging.getLogger(__name__)


class StoreError(OSError):
    """A copy could not be made or did not verify."""


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _hash_from_disk(path: Path) -> str:
    """Hash a file after asking the kernel to drop its cached pages, so the disk is read."""
    with open(path, "rb") as handle:
        return _hash_handle(handle)


def _hash_handle(handle: BinaryIO) -> str:
    """Hash an open file from its start, its cached pages dropped first."""
    digest = hashlib.sha256()
    handle.seek(0)
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _open_partial(incoming: Path, sha256: str) -> tuple[Path, BinaryIO]:
    """The file a copy is written to: ``<sha256>.partial``, locked while written; when
    another worker is writing that one now (a card holding the same photo twice), a name
    of its own (sharing one, each truncated the other's copy)."""
    partial = incoming / f"{sha256}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        partial = incoming / f"{sha256}.{uuid.uuid4().hex[:12]}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    if stat.S_ISREG(os.fstat(fd).st_mode):
        os.ftruncate(fd, 0)  # left by a killed attempt
    return partial, os.fdopen(fd, "wb")


def copy_verified(source: Path, incoming: Path, sha256: str) -> Path:
    """Copy ``source`` into ``incoming`` under its hash; verify; return the verified copy."""
    incoming.mkdir(parents=True, exist_ok=True)
    final = incoming / sha256
    with contextlib.suppress(FileNotFoundError):  # placed by another worker meanwhile
        if _hash_from_disk(final) == sha256:
            return final  # left by an earlier attempt, already verified
    partial, out = _open_partial(incoming, sha256)
    digest = hashlib.sha256()
    try:
        with open(source, "rb") as src, out as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        if digest.hexdigest() != sha256:
            raise StoreError(f"{source.name} changed while it was being copied")
        # verified through its own handle: another worker storing the same bytes may
        # replace ``final`` meanwhile, or the writer place it (and remove the name)
        with open(partial, "rb") as written:
            os.replace(partial, final)
            _fsync_dir(incoming)
            if _hash_handle(written) != sha256:
                raise StoreError(f"the copy of {source.name} does not match the original on disk")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return final


def place(verified: Path, target: Path) -> None:
    """Move a verified copy to its final place without ever overwriting a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(verified, target)
        os.unlink(verified)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise StoreError(f"{target} exists already; not overwriting") from exc
        if target.exists():
            raise StoreError(f"{target} exists already; not overwriting") from exc
        os.replace(verified, target)  # filesystems without hard links (FAT, exFAT)
    _fsync_dir(target.parent)


def recover_incoming(
    incoming: Path,
    originals: Path,
    stored_path_of: Callable[[str], str | None],
    settled: float = 0.0,
    abandoned: float = 0.0,
) -> int:
    """Finish or discard what a crash left in ``.incoming``; return how many were finished.

    ``stored_path_of(sha256)`` returns the committed relative path for a content, if any.
    A library shared by several machines' workers holds their copies in flight: a committed
    copy is finished only when older than ``settled`` seconds (its writer is gone) and an
    uncommitted one dropped only when older than ``abandoned``; 0 (one process) means now.
    """
    if not incoming.is_dir():
        return 0
    finished = 0
    now = time.time()
    for entry in incoming.iterdir():
        try:
            age = now - entry.stat().st_mtime
        except FileNotFoundError:
            continue  # finished by its own writer meanwhile
        if age < min(settled, abandoned):
            continue
        if entry.name.endswith(".partial") or not re.fullmatch(r"[0-9a-f]{64}", entry.name):
            entry.unlink(missing_ok=True)
            continue
        relative = stored_path_of(entry.name)
        if age < (settled if relative else abandoned):
            continue
        target = originals / relative if relative else None
        if target is not None and not target.exists() and _hash_from_disk(entry) == entry.name:
            place(entry, target)
            finished += 1
            log.info("recovered %s after an interrupted import", relative)
        else:
            entry.unlink(missing_ok=True)
    return finished
