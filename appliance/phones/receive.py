"""A file PUT by a phone: streamed into ``uploads/<token>/`` as a hidden partial file while
its SHA-256 is taken, fsynced, renamed into place and queued as an import job with policy
"move", exactly like a browser upload (the same pipeline, deduplication and crash safety;
a crash half-way is swept at the next start, `ingest.cut_uploads`). Memory stays one
chunk whatever the file's size."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

from appliance.catalog import queue as job_queue
from appliance.errors import DiskFull, is_disk_full

PHONE_SOURCE = "phone"


class TooLarge(ValueError):
    """The body ran over the upload limit."""


def _disk_error(exc: OSError) -> Exception:
    """DiskFull for a full disk, else the error itself."""
    if is_disk_full(exc):
        error = DiskFull()
        error.__cause__ = exc
        return error
    return exc


def discard(folder: Path) -> None:
    for path in folder.iterdir() if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            path.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


class Receiver:
    """The file-like WsgiDAV writes a PUT body into; ``finish`` queues it."""

    def __init__(self, uploads: Path, name: str, limit: int, owner_id: int | None) -> None:
        self.owner_id = owner_id  # the phone's member: the photo will be theirs
        self.folder = uploads / secrets.token_hex(8)
        self.target = self.folder / name
        self.partial = self.folder / f".{name}.part"
        self.limit, self.size = limit, 0
        self.digest = hashlib.sha256()
        try:
            self.folder.mkdir(parents=True)
            self._out = open(self.partial, "xb")  # noqa: SIM115 - closed in close()/abort()
        except OSError as exc:
            self.abort()
            raise _disk_error(exc)  # noqa: B904 - chained in _disk_error

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"larger than the upload limit of {self.limit // 2**20} MiB")
        self.digest.update(chunk)
        try:
            self._out.write(chunk)
        except OSError as exc:
            raise _disk_error(exc)  # noqa: B904 - chained in _disk_error

    def close(self) -> None:
        if not self._out.closed:
            try:
                self._out.flush()
                os.fsync(self._out.fileno())
            except OSError as exc:
                raise _disk_error(exc)  # noqa: B904 - chained in _disk_error
            finally:
                self._out.close()

    def abort(self) -> None:
        """Nothing of a failed or refused body stays."""
        out = getattr(self, "_out", None)
        if out is not None and not out.closed:
            out.close()
        discard(self.folder)

    def finish(self) -> int | None:
        """The whole body is on disk: put it in place and queue it; the job's id (None when
        the file is empty: nothing to import)."""
        self.close()
        if self.size == 0:
            self.abort()
            return None
        try:
            os.replace(self.partial, self.target)
            stat = self.target.stat()
            job = job_queue.enqueue(
                self.target, PHONE_SOURCE, "move", None, stat.st_size, stat.st_mtime, self.owner_id
            )
        except BaseException as exc:
            self.abort()
            if is_disk_full(exc):
                raise DiskFull() from exc
            raise
        return job.id if job else None

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()
