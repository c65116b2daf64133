"""The movie inside a Motion Photo: where it lies in the still, and its extraction.

Samsung's HEIC motion photos keep the MP4 in a top-level ``mpvd`` box; Samsung and Google
JPEG motion photos append it after the picture (Google's XMP ``Container:Directory`` gives
its length, Samsung's trailer names it ``MotionPhoto_Data``). In every case the movie is a
complete ISO-BMFF file of its own, so it is found by its ``ftyp`` box and accepted only when
its top-level boxes hold a ``moov`` and an ``mdat``, and its extent is the walk of those
boxes. The metadata engine says *whether* a still is a motion photo; this says *where*.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

_MOVIE_BRANDS = (b"mp42", b"mp41", b"isom", b"iso2", b"qt  ", b"avc1", b"3gp4", b"3gp5")
_TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"udta"}
MAX_SCAN = 64  # ftyp candidates looked at before giving up


def find_embedded_movie(path: Path) -> tuple[int, int] | None:
    """(offset, length) of the movie embedded in the still at ``path``, or None."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size < 64:
            return None
        with mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_READ) as buf:
            mpvd = _heif_mpvd(buf)
            if mpvd is not None:
                return _movie_at(buf, mpvd[0], mpvd[1])
            start = 16  # the still's own ftyp (HEIC) is at 4
            for _ in range(MAX_SCAN):
                at = buf.find(b"ftyp", start)
                if at < 0:
                    return None
                span = _movie_at(buf, at - 4, size)
                if span is not None:
                    return span
                start = at + 4
    return None


def _heif_mpvd(buf: mmap.mmap) -> tuple[int, int] | None:
    """The payload span of a top-level ``mpvd`` box (Samsung HEIC motion photos)."""
    if buf[4:8] != b"ftyp":
        return None
    offset, size = 0, len(buf)
    while offset + 8 <= size:
        length, kind = struct.unpack(">I4s", buf[offset : offset + 8])
        header = 8
        if length == 1 and offset + 16 <= size:
            length, header = struct.unpack(">Q", buf[offset + 8 : offset + 16])[0], 16
        elif length == 0:
            length = size - offset
        if length < header:
            return None
        if kind == b"mpvd":
            return offset + header, min(offset + length, size)
        offset += length
    return None


def _movie_at(buf: mmap.mmap, start: int, end: int) -> tuple[int, int] | None:
    """(start, length) when ISO-BMFF boxes from ``start`` form a movie before ``end``."""
    if start < 0 or buf[start + 4 : start + 8] != b"ftyp":
        return None
    if buf[start + 8 : start + 12] not in _MOVIE_BRANDS:
        return None
    offset, seen = start, set()
    while offset + 8 <= end:
        length, kind = struct.unpack(">I4s", buf[offset : offset + 8])
        header = 8
        if length == 1 and offset + 16 <= end:
            length, header = struct.unpack(">Q", buf[offset + 8 : offset + 16])[0], 16
        if kind not in _TOP_LEVEL or length < header or offset + length > end:
            break  # the movie ends here (a trailer such as Samsung's SEFT follows)
        seen.add(kind)
        offset += length
    if {b"moov", b"mdat"} <= seen:
        return start, offset - start
    return None


def extract(path: Path, span: tuple[int, int], target: Path) -> None:
    """Copy the movie at ``span`` of ``path`` to ``target`` (atomically, via a temp name)."""
    offset, length = span
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{target.name}")
    try:
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            src.seek(offset)
            left = length
            while left:
                chunk = src.read(min(left, 1 << 20))
                if not chunk:
                    raise OSError(f"{path} ended inside its embedded movie")
                dst.write(chunk)
                left -= len(chunk)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
