"""Hostile files made on the fly (small on disk, huge when decoded), for the tests and the
red-team script (scripts/redteam.py). Nothing here allocates the decoded size."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _tiff(
    path: Path, width: int, height: int, rows: int, samples: int, data: bytes, compression: int
) -> Path:
    """A little-endian TIFF whose every strip points at the same ``data``."""
    strips = (height + rows - 1) // rows
    header_end = 8
    data_at = header_end
    offsets_at = data_at + len(data)
    counts_at = offsets_at + 4 * strips
    bits_at = counts_at + 4 * strips
    ifd_at = bits_at + 2 * samples
    tags = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, samples, bits_at if samples > 2 else 8),
        (259, 3, 1, compression),
        (262, 3, 1, 2 if samples == 3 else 1),
        (273, 4, strips, offsets_at),
        (277, 3, 1, samples),
        (278, 4, 1, rows),
        (279, 4, strips, counts_at),
    ]
    with open(path, "wb") as fh:
        fh.write(b"II*\x00" + struct.pack("<I", ifd_at))
        fh.write(data)
        fh.write(struct.pack("<I", data_at) * strips)
        fh.write(struct.pack("<I", len(data)) * strips)
        fh.write(struct.pack("<H", 8) * samples)
        fh.write(struct.pack("<H", len(tags)))
        for tag, kind, count, value in tags:
            packed = struct.pack("<H", value) + b"\0\0" if kind == 3 and count == 1 else None
            fh.write(struct.pack("<HHI", tag, kind, count) + (packed or struct.pack("<I", value)))
        fh.write(b"\0\0\0\0")
    return path


def deflate_tiff_bomb(path: Path, side: int = 15000) -> Path:
    """A deflate RGB TIFF of side x side (15000: 225 MP, under the 256 MP pixel limit)."""
    rows = 16
    data = zlib.compress(bytes(side * rows * 3), 9)
    return _tiff(path, side, side, rows, 3, data, 8)


def many_strips_tiff(path: Path, strips: int = 1_000_000, width: int = 16) -> Path:
    """A small grey TIFF cut into a million one-row strips."""
    return _tiff(path, width, strips, 1, 1, bytes(width), 1)


def png_bomb(path: Path, side: int = 15000) -> Path:
    """An RGB PNG of side x side zeros (675 MB decoded, well under 1 MB on disk)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    squeeze = zlib.compressobj(9)
    row = bytes(1 + side * 3)
    block = row * 64
    parts = []
    for _ in range(side // 64):
        parts.append(squeeze.compress(block))
    parts.append(squeeze.compress(row * (side % 64)))
    parts.append(squeeze.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(chunk(b"IHDR", header))
        fh.write(chunk(b"IDAT", b"".join(parts)))
        fh.write(chunk(b"IEND", b""))
    return path
