"""A small, defensive TIFF IFD reader over bytes or an mmap, for content sniffing only.

The sniffer reads IFD0 (and SubIFDs) to tell DNG and TIFF-based RAW formats from plain
TIFF before ExifTool runs; metadata itself comes from ExifTool. Every offset is bounds
checked, IFD loops are detected, and oversized values are skipped, so crafted files can
only produce missing tags, never an exception or a hang.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

# type id -> (size in bytes, struct code or None for raw bytes)
_TYPES: dict[int, tuple[int, str | None]] = {
    1: (1, "B"),
    2: (1, None),
    3: (2, "H"),
    4: (4, "I"),
    5: (8, "II"),
    6: (1, "b"),
    7: (1, None),
    8: (2, "h"),
    9: (4, "i"),
    10: (8, "ii"),
    11: (4, "f"),
    12: (8, "d"),
    13: (4, "I"),
    16: (8, "Q"),
    17: (8, "q"),
    18: (8, "Q"),
}
MAX_ENTRIES = 1000  # per IFD; real files stay far below
MAX_VALUE_BYTES = 1 << 20  # values larger than this are skipped
MAX_IFDS = 64  # per file, across chains and sub-IFDs


class TiffError(ValueError):
    """The buffer does not hold a readable TIFF header."""


@dataclass
class Ifd:
    """One image file directory: tag id -> decoded value."""

    offset: int
    tags: dict[int, Any] = field(default_factory=dict)
    next_offset: int = 0

    def get(self, tag: int, default: Any = None) -> Any:
        return self.tags.get(tag, default)


class TiffReader:
    """Reads IFDs from a TIFF structure that starts at ``base`` inside ``buf``."""

    def __init__(self, buf: bytes | Any, base: int = 0, end: int | None = None) -> None:
        self.buf = buf
        self.base = base
        self.end = len(buf) if end is None else min(end, len(buf))
        self.warnings: list[str] = []
        self._seen: set[int] = set()
        head = bytes(buf[base : base + 16])
        if len(head) < 8:
            raise TiffError("TIFF header truncated")
        order = head[:2]
        if order == b"II":
            self.endian = "<"
        elif order == b"MM":
            self.endian = ">"
        else:
            raise TiffError("not a TIFF byte-order mark")
        self.magic = struct.unpack(self.endian + "H", head[2:4])[0]
        self.bigtiff = self.magic == 43
        if self.bigtiff:
            if len(head) < 16:
                raise TiffError("BigTIFF header truncated")
            self.first_ifd = struct.unpack(self.endian + "Q", head[8:16])[0]
        else:
            self.first_ifd = struct.unpack(self.endian + "I", head[4:8])[0]

    # -- low level -----------------------------------------------------------------
    def _bytes(self, offset: int, size: int) -> bytes | None:
        """``size`` bytes at TIFF-relative ``offset``, or None when out of bounds."""
        start = self.base + offset
        if offset < 0 or size < 0 or start + size > self.end:
            return None
        return bytes(self.buf[start : start + size])

    def _decode(self, typ: int, count: int, raw: bytes) -> Any:
        size, code = _TYPES[typ]
        if code is None:
            if typ == 2:
                return raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
            return raw
        n = count * (2 if typ in (5, 10) else 1)
        values = struct.unpack(f"{self.endian}{n}{code[0]}", raw[: size * count])
        if typ in (5, 10):
            values = tuple(
                Fraction(values[i], values[i + 1]) if values[i + 1] else None
                for i in range(0, n, 2)
            )
        return values[0] if count == 1 else values

    # -- IFDs ----------------------------------------------------------------------
    def read_ifd(self, offset: int) -> Ifd | None:
        """Decode the IFD at ``offset``; None when it is out of bounds or already read."""
        if offset <= 0 or offset in self._seen or len(self._seen) >= MAX_IFDS:
            if offset in self._seen:
                self.warnings.append(f"IFD loop at offset {offset}")
            return None
        self._seen.add(offset)
        count_size, entry_size, ptr = (8, 20, "Q") if self.bigtiff else (2, 12, "I")
        head = self._bytes(offset, count_size)
        if head is None:
            self.warnings.append(f"IFD offset {offset} outside the file")
            return None
        count = struct.unpack(self.endian + ("Q" if self.bigtiff else "H"), head)[0]
        if count == 0 or count > MAX_ENTRIES:
            self.warnings.append(f"implausible IFD entry count {count} at {offset}")
            return None
        table = self._bytes(offset + count_size, count * entry_size)
        if table is None:
            self.warnings.append(f"IFD at {offset} truncated")
            return None
        ifd = Ifd(offset)
        inline = 8 if self.bigtiff else 4
        for i in range(count):
            entry = table[i * entry_size : (i + 1) * entry_size]
            if self.bigtiff:
                tag, typ, n = struct.unpack(self.endian + "HHQ", entry[:12])
                value_field = entry[12:20]
            else:
                tag, typ, n = struct.unpack(self.endian + "HHI", entry[:8])
                value_field = entry[8:12]
            if typ not in _TYPES or n == 0:
                continue
            total = _TYPES[typ][0] * n
            if total > MAX_VALUE_BYTES:
                continue
            if total <= inline:
                raw = value_field[:total]
            else:
                where = struct.unpack(self.endian + ptr, value_field)[0]
                raw = self._bytes(where, total)
                if raw is None:
                    self.warnings.append(f"tag 0x{tag:04x} points outside the file")
                    continue
            try:
                ifd.tags[tag] = self._decode(typ, n, raw)
            except (struct.error, ValueError):
                self.warnings.append(f"tag 0x{tag:04x} undecodable")
        nxt = self._bytes(offset + count_size + count * entry_size, inline)
        ifd.next_offset = struct.unpack(self.endian + ptr, nxt)[0] if nxt else 0
        return ifd

    def sub_ifds(self, parent: Ifd) -> list[Ifd]:
        """The SubIFDs (tag 0x014A) of ``parent``."""
        value = parent.get(0x014A)
        offsets = value if isinstance(value, tuple) else (value,) if value else ()
        found = []
        for off in offsets:
            if isinstance(off, int):
                ifd = self.read_ifd(off)
                if ifd is not None:
                    found.append(ifd)
        return found
