"""Memory guards for decoding: refuse what would not fit before a decoder allocates it.

Three checks, all made before any pixel is decoded:

* **decoded bytes**: width x height x bytes per pixel of the decoder's mode (bit depth and
  channels), plus the 8-bit RGB image every decode ends in, against ``DECODE_BUDGET``;
* **compression ratio**: a large decode from a tiny file (a zip bomb in picture form);
* **TIFF chunk count**: Pillow lists every strip/tile up front, so a million strips cost
  hundreds of MB before the first pixel; counted from IFD0 without Pillow.

The worker processes also run under an address-space limit (``limit_address_space``), so
whatever slips through fails that file with "too large to decode safely", never the box.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import resource
import struct
from typing import BinaryIO

MB = 1024 * 1024
# Estimated peak bytes of one decode (decoder buffer + RGB result). With a worker's
# models (about 140 MB) this keeps a worker well under 600 MB.
DECODE_BUDGET = 320 * MB  # admits a 50 MP HEIC (the largest decoded without a preview)
# Decoded bytes per byte of file above which a big picture is refused as a bomb; real
# photos are 2-30:1, flat graphics a few hundred at most.
MAX_RATIO = 1000
RATIO_APPLIES_ABOVE = 64 * MB  # small pictures may compress as well as they like
MAX_TIFF_CHUNKS = 200_000  # strips or tiles (a 100000 px tall strip-per-row scan: 100000)
WORKER_MEMORY = 600 * MB  # what one worker process may grow to (address-space cap)
# glibc's mallopt parameter for the number of malloc arenas. Each thread that contends for
# malloc may get an arena that reserves 64 MB of address space up front (not memory): a
# decoder's thread pool (libheif decodes tiles on several threads) then hits an address-space
# cap at random, depending on timing. Two arenas keep the reservation small and fixed.
M_ARENA_MAX = -8
ARENAS = 2

TOO_LARGE = "too large to decode safely"

# bits per pixel of Pillow modes (unknown modes count as 4 bytes per pixel)
_MODE_BITS = {
    "1": 1,
    "L": 8,
    "P": 8,
    "PA": 16,
    "LA": 16,
    "La": 16,
    "RGB": 24,
    "YCbCr": 24,
    "LAB": 24,
    "HSV": 24,
    "RGBA": 32,
    "RGBa": 32,
    "RGBX": 32,
    "CMYK": 32,
    "I": 32,
    "F": 32,
    "I;16": 16,
    "I;16L": 16,
    "I;16B": 16,
    "I;16N": 16,
}


class TooLarge(ValueError):
    """The picture would need more memory than a worker may use; ``str()`` says why."""


def decoded_bytes(width: int, height: int, mode: str) -> int:
    """Estimated peak bytes to decode a ``mode`` picture and turn it into 8-bit RGB."""
    bits = _MODE_BITS.get(mode, 32)
    return (width * height * bits + 7) // 8 + width * height * 3


def check_decode(width: int, height: int, mode: str, file_size: int) -> None:
    """Raise :class:`TooLarge` when decoding would blow the budget or the ratio."""
    need = decoded_bytes(width, height, mode)
    if need > DECODE_BUDGET:
        raise TooLarge(
            f"{TOO_LARGE}: {width}x{height} {mode} needs about {need // MB} MB "
            f"(the limit is {DECODE_BUDGET // MB} MB)"
        )
    ratio = need / max(1, file_size)
    if need > RATIO_APPLIES_ABOVE and ratio > MAX_RATIO:
        raise TooLarge(
            f"{TOO_LARGE}: {file_size} bytes would expand to {need // MB} MB "
            f"(compression ratio {ratio:.0f}:1, a decompression bomb)"
        )


def tiff_chunk_count(fh: BinaryIO) -> int:
    """Number of strips or tiles in a classic TIFF's first IFD (0 if not a TIFF)."""
    fh.seek(0)
    head = fh.read(8)
    if len(head) < 8 or head[:2] not in (b"II", b"MM"):
        return 0
    endian = "<" if head[:2] == b"II" else ">"
    if struct.unpack(endian + "H", head[2:4])[0] != 42:
        return 0  # BigTIFF and others: Pillow does not read them
    (offset,) = struct.unpack(endian + "I", head[4:8])
    fh.seek(offset)
    raw = fh.read(2)
    if len(raw) < 2:
        return 0
    (entries,) = struct.unpack(endian + "H", raw)
    table = fh.read(12 * min(entries, 4096))
    most = 0
    for i in range(len(table) // 12):
        tag, _type, count = struct.unpack(endian + "HHI", table[i * 12 : i * 12 + 8])
        if tag in (273, 324):  # StripOffsets, TileOffsets
            most = max(most, count)
    return most


def check_tiff_chunks(fh: BinaryIO) -> None:
    count = tiff_chunk_count(fh)
    fh.seek(0)
    if count > MAX_TIFF_CHUNKS:
        raise TooLarge(f"{TOO_LARGE}: the TIFF is cut into {count} pieces")


def _vm_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _limit_malloc_arenas() -> None:
    """Few malloc arenas, so thread pools do not reserve address space at random (glibc
    only; elsewhere nothing to do)."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).mallopt(M_ARENA_MAX, ARENAS)


def return_freed_memory() -> None:
    """Hand the heap's freed pages back to the system (glibc's ``malloc_trim``; elsewhere
    nothing to do), after a phase that built and dropped many small objects."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).malloc_trim(0)


def limit_address_space(total: int = WORKER_MEMORY) -> int | None:
    """Cap this process's address space so that it can grow by about ``total`` minus what
    it holds now (RLIMIT_AS); allocations beyond fail (MemoryError) instead of waking the
    OOM killer. Returns the limit in bytes, None where it cannot be set."""
    _limit_malloc_arenas()
    try:
        size, resident = _vm_kib("VmSize") * 1024, _vm_kib("VmRSS") * 1024
    except OSError:
        return None
    if not size:
        return None
    limit = size + max(128 * MB, total - resident)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft < limit:
        return soft  # already tighter (the systemd unit's limit)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit
