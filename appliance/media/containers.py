"""Find the metadata blocks (EXIF, XMP, IPTC) and the stored size inside image containers.

Each walker reads only headers and metadata segments, never pixel data, and stops at the
first structural inconsistency with a warning instead of raising.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\0"
MAX_BOXES = 10_000


@dataclass
class Blocks:
    """Metadata blocks found in one file. ``exif`` entries are (buffer, TIFF header offset)."""

    exif: list[tuple[Any, int]] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    iptc: list[bytes] = field(default_factory=list)
    size: tuple[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # format-specific values
    segments: dict[str, bytes] = field(default_factory=dict)  # other interesting segments
    warnings: list[str] = field(default_factory=list)


def jpeg_blocks(buf: Any, start: int = 0) -> Blocks:
    """Walk JPEG markers up to the first scan."""
    out = Blocks()
    pos, end = start + 2, len(buf)
    while pos + 4 <= end:
        if buf[pos] != 0xFF:
            out.warnings.append(f"JPEG marker expected at {pos}")
            break
        marker = buf[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker == 0xD9:
            break
        length = struct.unpack(">H", bytes(buf[pos + 2 : pos + 4]))[0]
        if length < 2 or pos + 2 + length > end:
            out.warnings.append(f"JPEG segment 0x{marker:02x} truncated")
            break
        body = pos + 4
        size = length - 2
        head = bytes(buf[body : body + 29]) if 0xE0 <= marker <= 0xEF else b""
        if marker == 0xE1 and head.startswith(b"Exif\0"):
            out.exif.append((buf, body + 6))
        elif marker == 0xE1 and head.startswith(XMP_JPEG):
            out.xmp.append(bytes(buf[body + 29 : body + size]))
        elif marker == 0xED:
            out.iptc.extend(photoshop_iptc(bytes(buf[body : body + size])))
        elif head.startswith((b"QVCI", b"[picture info]")) or head[6:10] == b"HEAP":
            out.segments.setdefault(head[:4].decode("latin-1"), bytes(buf[body : body + size]))
        elif marker in JPEG_SOF and out.size is None and size >= 5:
            h, w = struct.unpack(">HH", bytes(buf[body + 1 : body + 5]))
            out.size = (w, h)
        elif marker == 0xDA:
            break
        pos += 2 + length
    return out


def photoshop_iptc(data: bytes) -> list[bytes]:
    """IPTC-IIM records inside a Photoshop 'Photoshop 3.0' APP13 / image resource block."""
    if data.startswith(b"Photoshop 3.0\0"):
        data = data[14:]
    found, pos = [], 0
    while pos + 12 <= len(data) and data[pos : pos + 4] == b"8BIM":
        rid = struct.unpack(">H", data[pos + 4 : pos + 6])[0]
        nlen = data[pos + 6]
        pos += 6 + ((nlen + 2) & ~1)
        if pos + 4 > len(data):
            break
        size = struct.unpack(">I", data[pos : pos + 4])[0]
        pos += 4
        if rid == 0x0404:
            found.append(data[pos : pos + size])
        pos += size + (size & 1)
    return found


def png_blocks(buf: Any) -> Blocks:
    """PNG chunks: IHDR, eXIf, XMP iTXt and ImageMagick-style 'Raw profile' text chunks."""
    out = Blocks()
    pos, end = 8, len(buf)
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            break
        length, ctype = struct.unpack(">I4s", bytes(buf[pos : pos + 8]))
        body = pos + 8
        if body + length > end:
            out.warnings.append(f"PNG chunk {ctype!r} truncated")
            break
        if ctype == b"IHDR" and length >= 8:
            out.size = struct.unpack(">II", bytes(buf[body : body + 8]))
        elif ctype == b"eXIf":
            data = bytes(buf[body : body + length])
            out.exif.append((data[6:] if data.startswith(b"Exif\0") else data, 0))
        elif ctype in (b"iTXt", b"tEXt", b"zTXt"):
            _png_text(out, ctype, bytes(buf[body : body + length]))
        elif ctype == b"IEND":
            break
        pos = body + length + 4
    return out


def _png_text(out: Blocks, ctype: bytes, data: bytes) -> None:
    key, _, rest = data.partition(b"\0")
    try:
        if ctype == b"iTXt":
            compressed, _method = rest[0], rest[1]
            _lang, _, rest = rest[2:].partition(b"\0")
            _tkey, _, text = rest.partition(b"\0")
            text = zlib.decompress(text) if compressed else text
        elif ctype == b"zTXt":
            text = zlib.decompress(rest[1:])
        else:
            text = rest
    except (IndexError, zlib.error):
        out.warnings.append(f"PNG {ctype.decode()} chunk undecodable")
        return
    if key == b"XML:com.adobe.xmp":
        out.xmp.append(text)
    elif key.startswith(b"Raw profile type "):
        payload = _raw_profile(text)
        kind = key[17:]
        if payload and kind in (b"exif", b"APP1"):
            payload = payload[6:] if payload.startswith(b"Exif\0") else payload
            out.exif.append((payload, 0))
        elif payload and kind == b"xmp":
            out.xmp.append(payload)
        elif payload and kind in (b"iptc", b"8bim"):
            out.iptc.extend(photoshop_iptc(payload) or [payload])


def _raw_profile(text: bytes) -> bytes | None:
    """Decode ImageMagick's '\\nexif\\n   1234\\n<hex lines>' text chunk payload."""
    parts = text.split(None, 2)
    if len(parts) < 3:
        return None
    try:
        return bytes.fromhex(parts[2].decode("ascii", "replace").replace("\n", ""))
    except ValueError:
        return None


def webp_blocks(buf: Any) -> Blocks:
    """RIFF WebP chunks: VP8X/VP8/VP8L sizes, EXIF and XMP."""
    out = Blocks()
    pos, end = 12, len(buf)
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            break
        ctype, length = struct.unpack("<4sI", bytes(buf[pos : pos + 8]))
        body = pos + 8
        data = bytes(buf[body : min(body + length, end)])
        if ctype == b"VP8X" and len(data) >= 10:
            w = int.from_bytes(data[4:7], "little") + 1
            h = int.from_bytes(data[7:10], "little") + 1
            out.size = (w, h)
        elif ctype == b"VP8 " and len(data) >= 10 and out.size is None:
            w, h = struct.unpack("<HH", data[6:10])
            out.size = (w & 0x3FFF, h & 0x3FFF)
        elif ctype == b"VP8L" and len(data) >= 5 and out.size is None:
            bits = int.from_bytes(data[1:5], "little")
            out.size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        elif ctype == b"EXIF":
            out.exif.append((data[6:] if data.startswith(b"Exif\0") else data, 0))
        elif ctype == b"XMP ":
            out.xmp.append(data)
        pos = body + length + (length & 1)
    return out


def gif_blocks(buf: Any) -> Blocks:
    """GIF logical screen size."""
    out = Blocks()
    if len(buf) >= 10:
        out.size = struct.unpack("<HH", bytes(buf[6:10]))
    return out


def bmp_blocks(buf: Any) -> Blocks:
    """BMP size from the DIB header (height may be negative for top-down rows)."""
    out = Blocks()
    dib = struct.unpack("<I", bytes(buf[14:18]))[0] if len(buf) >= 18 else 0
    if dib == 12 and len(buf) >= 22:
        out.size = struct.unpack("<HH", bytes(buf[18:22]))
    elif dib >= 40 and len(buf) >= 26:
        w, h = struct.unpack("<ii", bytes(buf[18:26]))
        out.size = (abs(w), abs(h))
    return out
