"""The originals naming rule: where a file goes in ``originals/`` and under what name.

Shared by the pipeline (which copies) and the catalog writer (which reserves the name in
the same transaction as the rows), so it lives in neither.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from appliance.media.hashing import sha256_file

__all__ = ["NAME_BYTES", "NoFreeName", "cut_utf8", "destination", "safe_name", "unrecorded_copy"]

# At most this many UTF-8 bytes in a name Shoebox makes: filesystems count bytes (255 on
# ext4, exFAT, btrfs), and a name may still get `` (99999)`` or a ``.part`` around it.
NAME_BYTES = 200


class NoFreeName(OSError):
    """Every candidate name in the folder is taken."""


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def cut_utf8(text: str, limit: int) -> str:
    """The longest start of ``text`` whose UTF-8 has at most ``limit`` bytes (never half a
    character)."""
    return text.encode("utf-8")[: max(0, limit)].decode("utf-8", "ignore")


def safe_name(name: str, fallback: str = "photo") -> str:
    """A file name that is safe on every filesystem a library may live on (bytes that are
    not UTF-8 become "_"; the exact original name stays in the catalog)."""
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "_")
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or name in (".", ".."):
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:16]
    stem = cut_utf8(stem[:120], NAME_BYTES - len(ext.encode("utf-8")) - 1)
    return f"{stem}.{ext}" if ext else stem


def _candidates(taken: dt.datetime | None, original_name: str) -> Iterator[str]:
    """``YYYY/MM/name`` (``undated/`` when the date is unknown), then `` (1)``, `` (2)``...
    before the extension."""
    folder = f"{taken:%Y}/{taken:%m}" if taken else "undated"
    name = safe_name(original_name)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    for counter in range(100_000):
        candidate_name = name if counter == 0 else f"{stem} ({counter}){'.' + ext if ext else ''}"
        yield f"{folder}/{candidate_name}"


def destination(
    taken: dt.datetime | None,
    original_name: str,
    is_taken: Callable[[str], bool],
    originals: Path,
) -> str:
    """A free relative path for a new original (see :func:`_candidates`).

    ``is_taken(relative)`` says whether the catalog already reserved a name; the disk is
    checked too.
    """
    relative = ""
    for relative in _candidates(taken, original_name):
        if not is_taken(relative) and not (originals / relative).exists():
            return relative
    raise NoFreeName(f"no free name for {original_name} in {relative.rpartition('/')[0]}")


def unrecorded_copy(
    taken: dt.datetime | None,
    original_name: str,
    is_taken: Callable[[str], bool],
    originals: Path,
    sha256: str,
) -> str | None:
    """The relative path of a stored copy of this very content that no catalog row names.

    An import that was cut off between placing its copy and its row reaching the disk (a
    power cut) leaves such a file; importing the content again takes that copy instead of
    storing a second one under a new name. Only names the import would have chosen are
    looked at, up to the first free one.
    """
    for relative in _candidates(taken, original_name):
        path = originals / relative
        if not path.exists():
            return None
        if not is_taken(relative) and path.is_file() and sha256_file(path) == sha256:
            return relative
    return None
