"""IPTC-IIM records: only the creation date and time."""

from __future__ import annotations

import struct
from typing import Any


def read_iptc(data: bytes) -> dict[str, Any]:
    """Return DateCreated ('YYYYMMDD') and TimeCreated ('HHMMSS+HHMM') when present."""
    out: dict[str, Any] = {}
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 0x1C:
        record, dataset = data[pos + 1], data[pos + 2]
        size = struct.unpack(">H", data[pos + 3 : pos + 5])[0]
        pos += 5
        if size & 0x8000:  # extended length: not used by the fields we want
            n = size & 0x7FFF
            size = int.from_bytes(data[pos : pos + n], "big")
            pos += n
        value = data[pos : pos + size]
        pos += size
        if record != 2:
            continue
        text = value.decode("latin-1").strip()
        if dataset == 55:
            out.setdefault("DateCreated", text)
        elif dataset == 60:
            out.setdefault("TimeCreated", text)
        elif dataset == 62:
            out.setdefault("DigitalCreationDate", text)
        elif dataset == 63:
            out.setdefault("DigitalCreationTime", text)
    return out
