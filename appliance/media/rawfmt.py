"""Metadata of RAW containers that are not TIFF: Canon CRW (CIFF), Sigma X3F, Minolta MRW."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any

from appliance.media.containers import Blocks
from appliance.media.makernotes import canon_arrays

MAX_DEPTH = 8
MAX_ENTRIES = 2000


def ciff_values(buf: Any, start: int, end: int) -> dict[str, Any]:
    """Walk a CIFF heap (CRW files, and the CIFF block of some Canon JPEGs)."""
    found: dict[int, bytes] = {}
    _ciff_heap(buf, start, end, found, 0, set())
    out: dict[str, Any] = {}
    if 0x080A in found:
        parts = found[0x080A].split(b"\0")
        if len(parts) > 1:
            out["Make"] = parts[0].decode("latin-1").strip()
            out["Model"] = parts[1].decode("latin-1").strip()
    if 0x180E in found and len(found[0x180E]) >= 4:
        stamp = struct.unpack("<I", found[0x180E][:4])[0]
        out["DateTimeOriginal"] = datetime.fromtimestamp(stamp, UTC).strftime("%Y:%m:%d %H:%M:%S")
    if 0x1810 in found and len(found[0x1810]) >= 8:
        out["ImageWidth"], out["ImageHeight"] = struct.unpack("<II", found[0x1810][:8])
    shorts = {t: _u16(found[t]) for t in (0x102D, 0x102A, 0x1029) if t in found}
    canon = canon_arrays(
        shorts.get(0x102D), shorts.get(0x102A), shorts.get(0x1029), out.get("Model", "")
    )
    out.update({k: v for k, v in canon.items() if k not in out})
    return out


def _u16(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(data) // 2}H", data[: len(data) // 2 * 2])


def _ciff_heap(buf: Any, start: int, end: int, found: dict, depth: int, seen: set) -> None:
    if depth > MAX_DEPTH or end - start < 6 or (start, end) in seen or end > len(buf):
        return
    seen.add((start, end))
    table = start + struct.unpack("<I", bytes(buf[end - 4 : end]))[0]
    if not start <= table < end - 2:
        return
    count = struct.unpack("<H", bytes(buf[table : table + 2]))[0]
    for i in range(min(count, MAX_ENTRIES)):
        pos = table + 2 + 10 * i
        if pos + 10 > end:
            return
        tag, size, offset = struct.unpack("<HII", bytes(buf[pos : pos + 10]))
        kind = tag & 0xC000
        tid = tag & 0x3FFF
        if kind == 0x4000:
            data = bytes(buf[pos + 2 : pos + 10])
        elif kind == 0 and start + offset + size <= end:
            data = None
            if (tid >> 8) & 0x38 in (0x28, 0x30):
                _ciff_heap(buf, start + offset, start + offset + size, found, depth + 1, seen)
                continue
            data = bytes(buf[start + offset : start + offset + min(size, 1 << 16)])
        else:
            continue
        found.setdefault(tid, data)


def crw_blocks(buf: Any) -> Blocks:
    """Canon CRW: the CIFF heap after the header."""
    out = Blocks()
    header = struct.unpack("<I", bytes(buf[2:6]))[0]
    out.extra["values"] = ciff_values(buf, header, len(buf))
    return out


def x3f_blocks(buf: Any) -> Blocks:
    """Sigma X3F: header size and the PROP section's camera properties."""
    out = Blocks()
    if len(buf) < 40:
        out.warnings.append("X3F header truncated")
        return out
    width, height = struct.unpack("<II", bytes(buf[28:36]))
    values: dict[str, Any] = {}
    if width and height:
        values["ImageWidth"], values["ImageHeight"] = width, height
    props = _x3f_props(buf)
    conv = {
        "CAMMANUF": ("Make", str),
        "CAMMODEL": ("Model", str),
        "SHUTTER": ("ExposureTime", float),
        "APERTURE": ("FNumber", float),
        "ISO": ("ISO", float),
        "FLENGTH": ("FocalLength", float),
        "TIME": (
            "DateTimeOriginal",
            lambda v: datetime.fromtimestamp(int(v), UTC).strftime("%Y:%m:%d %H:%M:%S"),
        ),
    }
    for key, (name, fn) in conv.items():
        if key in props:
            try:
                values[name] = fn(props[key])
            except (ValueError, OverflowError, OSError):
                out.warnings.append(f"X3F property {key} unreadable")
    out.extra["values"] = values
    return out


def _x3f_props(buf: Any) -> dict[str, str]:
    end = len(buf)
    directory = struct.unpack("<I", bytes(buf[end - 4 : end]))[0]
    if directory + 12 > end or bytes(buf[directory : directory + 4]) != b"SECd":
        return {}
    count = struct.unpack("<I", bytes(buf[directory + 8 : directory + 12]))[0]
    props: dict[str, str] = {}
    for i in range(min(count, 256)):
        pos = directory + 12 + 12 * i
        if pos + 12 > end:
            break
        offset, length, kind = struct.unpack("<II4s", bytes(buf[pos : pos + 12]))
        if kind != b"PROP" or offset + 24 > end or bytes(buf[offset : offset + 4]) != b"SECp":
            continue
        n, fmt, _res, chars = struct.unpack("<IIII", bytes(buf[offset + 8 : offset + 24]))
        if fmt != 0:
            continue
        table = offset + 24
        data_start = table + 8 * n
        text = bytes(buf[data_start : min(data_start + chars * 2, offset + length, end)])
        for j in range(min(n, 1000)):
            name_off, value_off = struct.unpack(
                "<II", bytes(buf[table + 8 * j : table + 8 * j + 8])
            )
            props[_utf16z(text, name_off)] = _utf16z(text, value_off)
    return props


def _utf16z(text: bytes, char_offset: int) -> str:
    start = char_offset * 2
    stop = start
    while stop + 1 < len(text) and text[stop : stop + 2] != b"\0\0":
        stop += 2
    return text[start:stop].decode("utf-16-le", "replace")


def mrw_blocks(buf: Any) -> Blocks:
    """Minolta MRW: PRD block (image size) and TTW block (a TIFF structure)."""
    out = Blocks()
    data_end = 8 + struct.unpack(">I", bytes(buf[4:8]))[0]
    pos = 8
    while pos + 8 <= min(data_end, len(buf)):
        name, size = struct.unpack(">4sI", bytes(buf[pos : pos + 8]))
        body = pos + 8
        if name == b"\0PRD" and size >= 16:
            h, w = struct.unpack(">HH", bytes(buf[body + 12 : body + 16]))
            out.size = (w, h)
        elif name == b"\0TTW":
            out.exif.append((bytes(buf[body : body + size]), 0))
        pos = body + size
    return out
