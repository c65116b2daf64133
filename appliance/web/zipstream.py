"""A zip archive streamed while it is written: ZIP_STORED members (photos are compressed
already), data descriptors because the output cannot seek, so memory stays at one chunk
whatever the size of the download."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from flask import Response

from appliance.media.decode import RenderError

CHUNK = 256 * 1024
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Pipe:
    """A write-only, non-seekable file for ZipFile; :meth:`take` hands over what it got."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def readable(name: str) -> str:
    """``name`` as text a zip can carry: each byte that was not UTF-8 (kept as a surrogate
    escape, ``\\udcff``) becomes U+FFFD, so the rest of the name stays readable."""
    return _SURROGATE.sub("\ufffd", name)


def member_name(name: str, taken: str, used: set[str]) -> str:
    """``YYYY-MM-DD name.ext`` (``name.ext`` without ``taken``): readable, no folders, no
    control or reserved characters, unique in the archive (``(2)`` before the extension)."""
    clean = _UNSAFE.sub("_", readable(name)).strip(" .") or "photo"
    base = f"{taken} {clean}".strip()
    stem, dot, ext = base.rpartition(".")
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if dot else f"{base} ({n})"
    used.add(candidate.lower())
    return candidate


Made = Callable[[], bytes]  # a member made when its turn comes (a JPEG of a HEIC photo)


def stream_zip(files: Iterable[tuple[str, Path | Made]]) -> Iterator[bytes]:
    """Yield the bytes of a zip holding each ``(name, path)``, or ``(name, make)`` for a
    member made when its turn comes; a file that cannot be read or made is left out and
    listed in ``MISSING.txt`` at the end."""
    pipe = _Pipe()
    missing: list[str] = []
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, path in files:
            if callable(path):
                try:
                    data = path()
                except (RenderError, OSError) as exc:
                    missing.append(f"{name}: {exc}")
                    continue
                with archive.open(name, "w", force_zip64=True) as member:
                    for start in range(0, len(data), CHUNK):
                        member.write(data[start : start + CHUNK])
                        yield pipe.take()
                yield pipe.take()
                continue
            try:
                source = open(path, "rb")  # noqa: SIM115 - closed below, before the next file
            except OSError as exc:
                missing.append(f"{name}: {exc.strerror or exc}")
                continue
            with source, archive.open(name, "w", force_zip64=True) as member:
                while chunk := source.read(CHUNK):
                    member.write(chunk)
                    yield pipe.take()
            yield pipe.take()
        if missing:
            archive.writestr("MISSING.txt", "\n".join(missing) + "\n")
    yield pipe.take()


def zip_response(files: Iterable[tuple[str, Path | Made]], download_name: str) -> Response:
    """A download of :func:`stream_zip`'s bytes, sent while they are written (nothing is
    spooled to disk); ``download_name`` may be any text (RFC 6266 ``filename*``)."""
    response = Response(stream_zip(files), mimetype="application/zip")
    ascii_name = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    if ascii_name.startswith("."):  # nothing of the name was ASCII
        ascii_name = "download" + ascii_name
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != download_name:
        disposition += f"; filename*=UTF-8''{quote(download_name, safe='')}"
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "no-store"
    return response
