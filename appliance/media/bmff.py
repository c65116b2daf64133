"""ISO base media file format walkers: HEIF/AVIF items, CR3 metadata, JPEG 2000 and JPEG XL."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

from appliance.media.containers import MAX_BOXES, Blocks

CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
EXIF_UUID = b"JpgTiffExif->JP2"


def boxes(buf: Any, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, body start, body end) for the boxes between ``start`` and ``end``."""
    pos, end = start, min(end, len(buf))
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            return
        size, btype = struct.unpack(">I4s", bytes(buf[pos : pos + 8]))
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack(">Q", bytes(buf[pos + 8 : pos + 16]))[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield btype, pos + header, min(pos + size, end)
        pos += size


def _find(buf: Any, start: int, end: int, btype: bytes) -> tuple[int, int] | None:
    for t, s, e in boxes(buf, start, end):
        if t == btype:
            return s, e
    return None


def heif_blocks(buf: Any) -> Blocks:
    """HEIF/AVIF: primary item size (ispe) and the Exif / XMP items."""
    out = Blocks()
    meta = _find(buf, 0, len(buf), b"meta")
    if meta is None:
        out.warnings.append("HEIF file without a meta box")
        return out
    mstart, mend = meta[0] + 4, meta[1]  # meta is a full box
    items: dict[int, tuple[bytes, str]] = {}
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    primary, idat = None, None
    props: list[tuple[bytes, int, int]] = []
    assoc: dict[int, list[int]] = {}
    try:
        for btype, s, e in boxes(buf, mstart, mend):
            body = bytes(buf[s:e]) if btype != b"idat" else b""
            if btype == b"pitm":
                primary = int.from_bytes(body[4:6] if body[0] == 0 else body[4:8], "big")
            elif btype == b"iinf":
                items = _iinf(body)
            elif btype == b"iloc":
                locations = _iloc(body)
            elif btype == b"idat":
                idat = s
            elif btype == b"iprp":
                props, assoc = _iprp(buf, s, e)
    except (struct.error, IndexError) as exc:
        out.warnings.append(f"HEIF item tables unreadable: {exc}")
    if primary is not None:
        for index in assoc.get(primary, []):
            if not 0 < index <= len(props):
                continue
            ptype, s, _e = props[index - 1]
            if ptype == b"ispe" and _e - s >= 12:
                out.size = struct.unpack(">II", bytes(buf[s + 4 : s + 12]))
            elif ptype == b"irot" and _e > s:
                out.extra["irot"] = (buf[s] & 3) * 90
    for item_id, (itype, content) in items.items():
        data = _item_data(buf, locations.get(item_id), idat)
        if data is None:
            continue
        if itype == b"Exif" and len(data) > 4:
            skip = struct.unpack(">I", data[:4])[0]
            out.exif.append((data, 4 + skip))
        elif itype == b"mime" and "rdf+xml" in content:
            out.xmp.append(data)
    return out


def _iinf(body: bytes) -> dict[int, tuple[bytes, str]]:
    version = body[0]
    pos = 6 if version == 0 else 8
    found: dict[int, tuple[bytes, str]] = {}
    for btype, s, e in boxes(body, pos, len(body)):
        if btype != b"infe" or body[s] < 2:
            continue
        v = body[s]
        if v == 2:
            item_id = struct.unpack(">H", body[s + 4 : s + 6])[0]
            p = s + 8
        else:
            item_id = struct.unpack(">I", body[s + 4 : s + 8])[0]
            p = s + 10
        itype = body[p : p + 4]
        rest = body[p + 4 : e].split(b"\0")
        content = rest[1].decode("ascii", "replace") if itype == b"mime" and len(rest) > 1 else ""
        found[item_id] = (itype, content)
    return found


def _iloc(body: bytes) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    version = body[0]
    off_size, len_size = body[4] >> 4, body[4] & 15
    base_size, index_size = body[5] >> 4, (body[5] & 15) if version in (1, 2) else 0
    pos = 6
    if version < 2:
        count = struct.unpack(">H", body[pos : pos + 2])[0]
        pos += 2
    else:
        count = struct.unpack(">I", body[pos : pos + 4])[0]
        pos += 4

    def read(n: int) -> int:
        nonlocal pos
        value = int.from_bytes(body[pos : pos + n], "big") if n else 0
        pos += n
        return value

    found: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for _ in range(min(count, MAX_BOXES)):
        item_id = read(2 if version < 2 else 4)
        method = read(2) & 15 if version in (1, 2) else 0
        read(2)  # data reference index
        base = read(base_size)
        extents = []
        for _ in range(min(read(2), MAX_BOXES)):
            read(index_size)
            extents.append((base + read(off_size), read(len_size)))
        found[item_id] = (method, extents)
    return found


def _iprp(
    buf: Any, start: int, end: int
) -> tuple[list[tuple[bytes, int, int]], dict[int, list[int]]]:
    props: list[tuple[bytes, int, int]] = []
    assoc: dict[int, list[int]] = {}
    for btype, s, e in boxes(buf, start, end):
        if btype == b"ipco":
            props = list(boxes(buf, s, e))
        elif btype == b"ipma":
            body = bytes(buf[s:e])
            version, flags = body[0], int.from_bytes(body[1:4], "big")
            count = struct.unpack(">I", body[4:8])[0]
            pos = 8
            for _ in range(min(count, MAX_BOXES)):
                if version < 1:
                    item_id = struct.unpack(">H", body[pos : pos + 2])[0]
                    pos += 2
                else:
                    item_id = struct.unpack(">I", body[pos : pos + 4])[0]
                    pos += 4
                n = body[pos]
                pos += 1
                indices = []
                for _ in range(n):
                    if flags & 1:
                        indices.append(struct.unpack(">H", body[pos : pos + 2])[0] & 0x7FFF)
                        pos += 2
                    else:
                        indices.append(body[pos] & 0x7F)
                        pos += 1
                assoc[item_id] = indices
    return props, assoc


def _item_data(buf: Any, location, idat: int | None) -> bytes | None:
    if not location:
        return None
    method, extents = location
    if method not in (0, 1) or (method == 1 and idat is None):
        return None
    base = idat if method == 1 else 0
    parts = []
    for offset, length in extents:
        start = base + offset
        if length > 16 << 20 or start + length > len(buf):
            return None
        parts.append(bytes(buf[start : start + (length or len(buf) - start)]))
    return b"".join(parts)


def cr3_blocks(buf: Any) -> Blocks:
    """Canon CR3: the CMT1-4 TIFF structures in moov/uuid, and the first track's size."""
    out = Blocks()
    moov = _find(buf, 0, len(buf), b"moov")
    if moov is None:
        out.warnings.append("CR3 without a moov box")
        return out
    for btype, s, e in boxes(buf, *moov):
        if btype == b"uuid" and bytes(buf[s : s + 16]) == CANON_UUID:
            for sub, bs, be in boxes(buf, s + 16, e):
                if sub in (b"CMT1", b"CMT2", b"CMT3", b"CMT4"):
                    out.extra[sub.decode()] = bytes(buf[bs:be])
    for btype, s, e in boxes(buf, 0, len(buf)):
        if btype == b"uuid" and bytes(buf[s : s + 16]) == XMP_UUID:
            out.xmp.append(bytes(buf[s + 16 : e]))
    return out


def jp2_blocks(buf: Any) -> Blocks:
    """JPEG 2000 (JP2/JPX): ihdr size, Exif and XMP uuid boxes, 'xml ' boxes."""
    out = Blocks()
    for btype, s, e in boxes(buf, 0, len(buf)):
        if btype == b"jp2h":
            ihdr = _find(buf, s, e, b"ihdr")
            if ihdr and ihdr[1] - ihdr[0] >= 8:
                h, w = struct.unpack(">II", bytes(buf[ihdr[0] : ihdr[0] + 8]))
                out.size = (w, h)
        elif btype == b"uuid":
            uid = bytes(buf[s : s + 16])
            if uid == XMP_UUID:
                out.xmp.append(bytes(buf[s + 16 : e]))
            elif uid == EXIF_UUID:
                data = bytes(buf[s + 16 : e])
                out.exif.append((data, 6 if data.startswith(b"Exif\0") else 0))
        elif btype == b"xml " and b"xmpmeta" in bytes(buf[s : min(e, s + 512)]):
            out.xmp.append(bytes(buf[s:e]))
    return out


def jxl_blocks(buf: Any) -> Blocks:
    """JPEG XL: codestream size header, plus Exif/xml boxes in the container form."""
    out = Blocks()
    if bytes(buf[:2]) == b"\xff\x0a":
        out.size = jxl_size(bytes(buf[2:32]))
        return out
    codestream = b""
    for btype, s, e in boxes(buf, 0, len(buf)):
        if btype == b"Exif" and e - s > 4:
            data = bytes(buf[s:e])
            out.exif.append((data, 4 + struct.unpack(">I", data[:4])[0]))
        elif btype == b"xml ":
            out.xmp.append(bytes(buf[s:e]))
        elif btype == b"jxlc" and not codestream:
            codestream = bytes(buf[s : s + 32])
        elif btype == b"jxlp" and not codestream:
            codestream = bytes(buf[s + 4 : s + 36])
    if codestream[:2] == b"\xff\x0a":
        out.size = jxl_size(codestream[2:])
    return out


_JXL_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def jxl_size(data: bytes) -> tuple[int, int] | None:
    """Decode the JPEG XL SizeHeader (the bits right after the FF 0A signature)."""
    bits = int.from_bytes(data, "little")
    pos = 0

    def u(n: int) -> int:
        nonlocal pos
        value = (bits >> pos) & ((1 << n) - 1)
        pos += n
        return value

    def u32() -> int:
        return 1 + u((9, 13, 18, 30)[u(2)])

    if len(data) < 8:
        return None
    if u(1):
        height = (u(5) + 1) * 8
        ratio = u(3)
        width = (u(5) + 1) * 8 if ratio == 0 else 0
    else:
        height = u32()
        ratio = u(3)
        width = u32() if ratio == 0 else 0
    if ratio:
        num, den = _JXL_RATIOS[ratio]
        width = height * num // den
    return width, height
