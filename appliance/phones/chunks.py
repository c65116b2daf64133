"""Nextcloud's chunked upload: a large file (a phone's long video) arrives in numbered
parts, so a dropped Wi-Fi connection costs one part, not the file.

``MKCOL /remote.php/dav/uploads/<user>/<transfer>`` makes a transfer folder, each part is a
PUT of ``<transfer>/<number>`` (the client lists the folder to resume), and ``MOVE
<transfer>/.file`` to the file's place joins the parts, in number order, into one upload
(`phones.receive`). Transfers live in ``uploads/.chunks/<phone id>/`` on the library's disk
and are removed once joined, deleted, or untouched for ``EXPIRE_DAYS``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path

from appliance.phones.receive import Receiver

CHUNKS = ".chunks"
EXPIRE_DAYS = 7
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
COPY_BLOCK = 1024 * 1024


class ChunkError(ValueError):
    """A transfer or part name that cannot be, or parts that do not add up."""


def transfers_of(uploads: Path, phone_id: int) -> Path:
    return uploads / CHUNKS / str(phone_id)


def checked(name: str) -> str:
    if not _NAME.match(name) or name in (".", ".."):
        raise ChunkError(f"not a transfer or part name: {name!r}")
    return name


def part_order(name: str) -> tuple[int, str]:
    """Parts join in number order (v2 numbers 1..10000, older clients byte offsets)."""
    return (int(name), name) if name.isdigit() else (2**63, name)


def parts(transfer: Path) -> list[Path]:
    found = [p for p in transfer.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: part_order(p.name))


def join(transfer: Path, receiver: Receiver, total: int | None) -> None:
    """Write the parts into ``receiver`` (which hashes and limits them); ``total``: the
    size the client announced (OC-Total-Length), checked."""
    size = sum(p.stat().st_size for p in parts(transfer))
    if total is not None and size != total:
        raise ChunkError(f"the parts hold {size} bytes, the client announced {total}")
    for part in parts(transfer):
        with open(part, "rb") as source:
            while block := source.read(COPY_BLOCK):
                receiver.write(block)


def remove(transfer: Path) -> None:
    shutil.rmtree(transfer, ignore_errors=True)


def expire(uploads: Path, now: float | None = None) -> int:
    """Remove transfers untouched for ``EXPIRE_DAYS`` (a phone that never came back)."""
    now = now or time.time()
    removed = 0
    root = uploads / CHUNKS
    for transfer in root.glob("*/*") if root.is_dir() else ():
        with contextlib.suppress(OSError):
            newest = max(
                [transfer.stat().st_mtime] + [p.stat().st_mtime for p in transfer.iterdir()]
            )
            if now - newest > EXPIRE_DAYS * 86400:
                remove(transfer)
                removed += 1
    return removed


def write_part(transfer: Path, name: str) -> tuple[Path, Path]:
    """(partial, final) paths for a part being received."""
    checked(name)
    if not transfer.is_dir():
        raise ChunkError("no such transfer: make it with MKCOL first")
    return transfer / f".{name}.part", transfer / name


def finish_part(partial: Path, final: Path) -> None:
    with open(partial, "rb+") as out:
        os.fsync(out.fileno())
    os.replace(partial, final)
