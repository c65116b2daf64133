"""Is a HEIF/AVIF file complete? Its ``iloc`` box says where every item's bytes are.

A file cut short (an interrupted copy, a card pulled out) still opens and libheif decodes
what is there into mostly green tiles; only the item locations tell. Self-contained: a
tiny ISO-BMFF walker (ftyp/meta/pitm/iloc/iref), independent of the metadata readers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

MAX_META = 16 * 1024 * 1024  # a meta box larger than this is not a photo's


@dataclass
class HeifLayout:
    """What the meta box says: the primary item, item extents, references."""

    file_size: int
    primary: int | None = None
    ends: dict[int, int] = field(default_factory=dict)  # item -> end of its last byte
    derived: dict[int, list[int]] = field(default_factory=dict)  # dimg: item -> inputs
    thumbnails: dict[int, int] = field(default_factory=dict)  # thmb: thumbnail -> master
    declared_end: int = 0  # where the last top-level box says it ends

    def missing(self) -> set[int]:
        return {item for item, end in self.ends.items() if end > self.file_size}

    def needed_for(self, item: int) -> set[int]:
        """The item and everything it is derived from (grid tiles)."""
        todo, seen = [item], set()
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.derived.get(current, []))
        return seen


@dataclass(frozen=True)
class Completeness:
    primary_ok: bool
    preview_ok: bool  # an embedded thumbnail of the primary is wholly inside the file
    reason: str = ""


def _boxes(data: bytes, start: int, end: int):
    """(type, payload start, payload end) of the boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind, pos + header, min(pos + size, end)
        pos += size


def _uint(data: bytes, pos: int, size: int) -> tuple[int, int]:
    if size == 0:
        return 0, pos
    if pos + size > len(data):
        raise ValueError("iloc is cut short")
    return int.from_bytes(data[pos : pos + size], "big"), pos + size


def _parse_iloc(data: bytes, layout: HeifLayout) -> None:
    version = data[0]
    pos = 4
    sizes = data[pos] << 8 | data[pos + 1]
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
    base_size = (sizes >> 4) & 0xF
    index_size = sizes & 0xF if version in (1, 2) else 0
    pos += 2
    count, pos = _uint(data, pos, 4 if version == 2 else 2)
    for _ in range(count):
        item, pos = _uint(data, pos, 4 if version == 2 else 2)
        method = 0
        if version in (1, 2):
            method_field, pos = _uint(data, pos, 2)
            method = method_field & 0xF
        _ref, pos = _uint(data, pos, 2)
        base, pos = _uint(data, pos, base_size)
        extents, pos = _uint(data, pos, 2)
        end = 0
        for _ in range(extents):
            _index, pos = _uint(data, pos, index_size)
            offset, pos = _uint(data, pos, offset_size)
            length, pos = _uint(data, pos, length_size)
            end = max(end, base + offset + length)
        if method == 0:  # bytes in the file (1: in idat, inside meta; 2: another item)
            layout.ends[item] = end


def _parse_iref(data: bytes, layout: HeifLayout) -> None:
    width = 4 if data[0] == 1 else 2
    for kind, start, end in _boxes(data, 4, len(data)):
        pos = start
        source, pos = _uint(data, pos, width)
        count, pos = _uint(data, pos, 2)
        targets = []
        for _ in range(count):
            target, pos = _uint(data, pos, width)
            targets.append(target)
        if pos > end:
            raise ValueError("iref is cut short")
        if kind == b"dimg":
            layout.derived.setdefault(source, []).extend(targets)
        elif kind == b"thmb" and targets:
            layout.thumbnails[source] = targets[0]


def read_layout(path: Path) -> HeifLayout | None:
    """The item layout of a HEIF/AVIF file, None when it has no readable meta box."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        fh.seek(0)
        pos = 0
        layout = None
        while pos + 8 <= size:
            fh.seek(pos)
            head = fh.read(16)
            box_size, kind = struct.unpack(">I4s", head[:8])
            header = 8
            if box_size == 1:
                box_size, header = struct.unpack(">Q", head[8:16])[0], 16
            elif box_size == 0:
                box_size = size - pos
            if box_size < header:
                break
            if kind == b"meta" and layout is None:
                if box_size > MAX_META:
                    return None
                fh.seek(pos + header)
                layout = _parse_meta(fh.read(box_size - header), size)
                if layout is None:
                    return None
            pos += box_size
        if layout is not None:
            layout.declared_end = pos
    return layout


def _parse_meta(meta: bytes, file_size: int) -> HeifLayout | None:
    layout = HeifLayout(file_size)
    try:
        for kind, start, end in _boxes(meta, 4, len(meta)):  # meta is a full box
            body = meta[start:end]
            if kind == b"pitm":
                layout.primary, _ = _uint(body, 4, 4 if body[0] == 1 else 2)
            elif kind == b"iloc":
                _parse_iloc(body, layout)
            elif kind == b"iref":
                _parse_iref(body, layout)
    except (ValueError, IndexError, struct.error):
        return None
    return layout


def check_heif(path: Path) -> Completeness:
    """Whether the primary picture (with its grid tiles) and a preview lie inside the file."""
    layout = read_layout(path)
    if layout is None or layout.primary is None:
        return Completeness(True, True)  # nothing to judge by; the decoder decides
    missing = layout.missing()
    needed = layout.needed_for(layout.primary)
    cut = missing & needed
    previews = [t for t, master in layout.thumbnails.items() if master == layout.primary]
    preview_ok = any(not (layout.needed_for(t) & missing) for t in previews)
    if not cut:
        if missing or layout.declared_end > layout.file_size:
            return Completeness(
                True,
                preview_ok,
                f"incomplete file: it ends at byte {layout.file_size} of "
                f"{max(layout.declared_end, *layout.ends.values())} (the picture is intact)",
            )
        return Completeness(True, preview_ok)
    wanted = max(layout.ends[i] for i in cut)
    reason = (
        f"incomplete file: the picture needs {wanted} bytes but the file has "
        f"{layout.file_size} ({100 * layout.file_size / wanted:.1f}%)"
    )
    return Completeness(False, preview_ok, reason)
