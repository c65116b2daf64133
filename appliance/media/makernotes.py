"""The few maker-note values ExifTool falls back to: Canon, Nikon, Casio and Olympus."""

from __future__ import annotations

import math
import struct
from typing import Any

from appliance.media.tiff import Ifd, TiffError, TiffReader

_CANON_ISO = {16: 50, 17: 100, 18: 200, 19: 400, 20: 800}


def read_makernote(reader: TiffReader, offset: int, length: int, make: str) -> dict[str, Any]:
    """Parse the maker note at TIFF offset ``offset`` for the given camera ``make``."""
    low = make.lower()
    head = reader._bytes(offset, 16) or b""
    try:
        if low.startswith("canon"):
            ifd = _canon_ifd(reader, offset, length)
            return canon_values(ifd, make) if ifd else {}
        if low.startswith("nikon"):
            return _nikon(reader, offset, head)
        if low.startswith("casio"):
            return _casio(reader, offset, head)
        if low.startswith("reconyx") or head[:2] in (b"\x01\xf1", b"\xf1\x01"):
            return _reconyx(reader, offset)
        if low.startswith("olympus") or low.startswith("om digital"):
            return _olympus(reader, offset, head)
    except (TiffError, ValueError, IndexError):
        return {}
    return {}


def _canon_ifd(reader: TiffReader, offset: int, length: int) -> Ifd | None:
    """Canon's IFD; editors that move it leave a footer with the original offset."""
    shift, endians = 0, [reader.endian, "<" if reader.endian == ">" else ">"]
    footer = reader._bytes(offset + length - 8, 8) if length >= 8 else None
    if footer and footer[:4] in (b"II*\0", b"MM\0*"):
        endian = "<" if footer[:2] == b"II" else ">"
        shift = offset - int.from_bytes(footer[4:], "little" if endian == "<" else "big")
        endians = [endian]
    for endian in endians:
        sub = TiffReader.headerless(reader.buf, reader.base + shift, endian, reader.end)
        ifd = sub.read_ifd(offset - shift)
        if ifd is not None:
            return ifd
    return None


def canon_ev(value: int) -> float:
    """Canon's APEX encoding with 1/3-stop fractions (ExifTool's CanonEv)."""
    sign = -1 if value < 0 else 1
    value = abs(value)
    frac = value & 0x1F
    value -= frac
    if frac == 0x0C:
        frac = 0x20 / 3
    elif frac == 0x14:
        frac = 0x40 / 3
    return sign * (value + frac) / 0x20


def _signed(value: int) -> int:
    return value - 0x10000 if value >= 0x8000 else value


def canon_values(ifd: Ifd, model: str = "") -> dict[str, Any]:
    """ISO, exposure, aperture, focal length and lens from Canon CameraSettings/ShotInfo."""
    return canon_arrays(ifd.get(0x0001), ifd.get(0x0004), ifd.get(0x0002), model, ifd.get(0x0095))


def canon_arrays(settings: Any, shot: Any, focal: Any, model: str, lens: Any = None) -> dict:
    """Decode Canon's u16 arrays (shared by maker notes and CRW files)."""
    out: dict[str, Any] = {}
    settings = settings if isinstance(settings, tuple) else ()
    shot = shot if isinstance(shot, tuple) else ()
    iso = None
    if len(settings) > 16 and settings[16] != 0x7FFF:
        raw = settings[16]
        iso = raw & 0x3FFF if raw & 0x4000 else _CANON_ISO.get(raw)
    if iso is None and len(shot) > 2 and shot[2]:  # BaseISO * AutoISO / 100
        auto = math.exp(_signed(shot[1]) / 32 * math.log(2)) * 100
        base = math.exp(_signed(shot[2]) / 32 * math.log(2)) * 100 / 32
        iso = base * auto / 100
    if iso:
        out["ISO"] = iso
    if len(shot) > 22 and shot[21]:
        out["FNumber"] = math.exp(canon_ev(_signed(shot[21])) * math.log(2) / 2)
    if len(shot) > 22 and shot[22]:
        scale = 32 if any(m in model for m in ("20D", "350D", "REBEL XT", "Kiss Digital N")) else 1
        out["ExposureTime"] = math.exp(-canon_ev(_signed(shot[22])) * math.log(2)) * scale
    if isinstance(focal, tuple) and len(focal) > 1 and focal[1]:
        units = settings[25] if len(settings) > 25 and settings[25] else 1
        out["FocalLength"] = focal[1] / units
    if isinstance(lens, str) and lens.strip():
        out["LensModel"] = lens.strip()
    return out


def _nikon(reader: TiffReader, offset: int, head: bytes) -> dict[str, Any]:
    if head.startswith(b"Nikon\0\x02"):
        inner = TiffReader(reader.buf, reader.base + offset + 10, reader.end)
        ifd = inner.read_ifd(inner.first_ifd)
    elif head.startswith(b"Nikon\0\x01"):
        ifd = TiffReader.headerless(reader.buf, reader.base, reader.endian).read_ifd(offset + 8)
    else:
        ifd = TiffReader.headerless(reader.buf, reader.base, reader.endian).read_ifd(offset)
    out: dict[str, Any] = {}
    if ifd is not None:
        iso = ifd.get(0x0002)
        if isinstance(iso, tuple) and len(iso) > 1 and iso[1]:
            out["ISO"] = iso[1]
    return out


def _reconyx(reader: TiffReader, offset: int) -> dict[str, Any]:
    """Reconyx HyperFire trail cameras: capture time as six u16 words from word 11."""
    data = reader._bytes(offset, 36)
    if not data:
        return {}
    words = struct.unpack(reader.endian + "18H", data)
    if words[0] != 0xF101:
        return {}
    sec, minute, hour, month, day, year = words[11:17]
    return {
        "DateTimeOriginal": f"{year:04d}:{month:02d}:{day:02d} {hour:02d}:{minute:02d}:{sec:02d}"
    }


def _casio(reader: TiffReader, offset: int, head: bytes) -> dict[str, Any]:
    if head.startswith(b"QVC\0"):
        ifd = TiffReader.headerless(reader.buf, reader.base, reader.endian).read_ifd(offset + 6)
        tag = 0x3014
    else:
        ifd = TiffReader.headerless(reader.buf, reader.base, reader.endian).read_ifd(offset)
        tag = 0x0014
    value = ifd.get(tag) if ifd else None
    return {"ISO": value} if isinstance(value, int) and value > 0 else {}


def _olympus(reader: TiffReader, offset: int, head: bytes) -> dict[str, Any]:
    if head.startswith(b"OLYMPUS\0") or head.startswith(b"OM SYSTEM\0"):
        skip = 12 if head.startswith(b"OLYMPUS\0") else 16
        endian = "<" if head[skip - 4 : skip - 2] == b"II" else ">"
        sub = TiffReader.headerless(reader.buf, reader.base + offset, endian)
        ifd = sub.read_ifd(skip)
    else:
        sub = TiffReader.headerless(reader.buf, reader.base, reader.endian)
        ifd = sub.read_ifd(offset + 8)
    if ifd is None:
        return {}
    pointer = ifd.get(0x2010)
    if isinstance(pointer, bytes):  # old cameras store the equipment IFD inline
        return {}
    equipment = sub.read_ifd(pointer) if isinstance(pointer, int) else None
    lens = equipment.get(0x0203) if equipment else None
    return {"LensModel": lens} if isinstance(lens, str) and lens else {}
