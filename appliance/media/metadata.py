"""read_metadata: capture time, camera, exposure, GPS, orientation and size of a media file.

Native parsers only (no ExifTool): container walkers find the EXIF/XMP/IPTC blocks, then the
values are merged the way ExifTool prioritises them (EXIF, then format-specific RAW records
and maker notes, then XMP, then IPTC). ``taken_at`` falls back to a date in the file name;
the file-time fallback is left to the caller (it knows the original's mtime before a copy).
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from appliance.media import bmff, containers, rawfmt
from appliance.media.containers import Blocks
from appliance.media.exif import _EXIF, _GPS, _IFD0, _take, read_exif
from appliance.media.filename_dates import date_from_filename
from appliance.media.iptc import read_iptc
from appliance.media.makernotes import canon_values, read_makernote
from appliance.media.makes import normalize_make, normalize_model
from appliance.media.sniff import MediaType, sniff
from appliance.media.tiff import TiffError, TiffReader
from appliance.media.xmp import read_xmp


class MetadataError(Exception):
    """The file cannot be read at all (missing, unreadable, empty or not a media file)."""


@dataclass
class Metadata:
    """What Shoebox knows about one file. Sizes in pixels, angles in degrees, time local."""

    taken_at: datetime | None = None
    taken_at_offset: int | None = None  # minutes east of UTC
    taken_at_source: str | None = None  # exif, xmp, iptc, filename
    camera_make: str | None = None
    camera_model: str | None = None
    make_raw: str | None = None
    model_raw: str | None = None
    lens: str | None = None
    exposure_time: float | None = None
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    orientation: int | None = None
    width: int | None = None
    height: int | None = None
    stored_width: int | None = None
    stored_height: int | None = None
    warnings: list[str] = field(default_factory=list)


_WALKERS = {
    "image/jpeg": containers.jpeg_blocks,
    "image/png": containers.png_blocks,
    "image/webp": containers.webp_blocks,
    "image/gif": containers.gif_blocks,
    "image/bmp": containers.bmp_blocks,
    "image/heic": bmff.heif_blocks,
    "image/heif": bmff.heif_blocks,
    "image/heic-sequence": bmff.heif_blocks,
    "image/heif-sequence": bmff.heif_blocks,
    "image/avif": bmff.heif_blocks,
    "image/x-canon-cr3": bmff.cr3_blocks,
    "image/jp2": bmff.jp2_blocks,
    "image/jpx": bmff.jp2_blocks,
    "image/jxl": bmff.jxl_blocks,
    "image/x-canon-crw": rawfmt.crw_blocks,
    "image/x-sigma-x3f": rawfmt.x3f_blocks,
    "image/x-minolta-mrw": rawfmt.mrw_blocks,
}
_HEIF = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif"}


def read_metadata(path: Path, media: MediaType | None = None) -> Metadata:
    """Read the metadata of ``path``; damaged metadata yields warnings, not exceptions.

    Raises MetadataError when the file cannot be opened, is empty or is not a media type.
    """
    try:
        media = media or sniff(path)
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            if size == 0:
                raise MetadataError("empty file")
            if media.kind == "unknown":
                raise MetadataError(f"not a recognised media file ({media.mime})")
            with mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_READ) as buf:
                values, blocks = _collect(buf, media)
    except OSError as exc:
        raise MetadataError(f"cannot read file: {exc.strerror or exc}") from exc
    meta = _build(values, blocks, media)
    if meta.taken_at is None:
        guess = date_from_filename(path.name)
        if guess is not None:
            meta.taken_at, meta.taken_at_source = guess, "filename"
    return meta


def _collect(buf: Any, media: MediaType) -> tuple[dict[str, Any], Blocks]:
    """All values found in the file, ExifTool-named, highest priority first."""
    walker = _WALKERS.get(media.mime)
    blocks = Blocks()
    try:
        if walker is not None:
            blocks = walker(buf)
        elif buf[:2] in (b"II", b"MM"):
            blocks.exif.append((buf, 0))
        elif media.kind == "sidecar":
            blocks.xmp.append(bytes(buf[: 4 << 20]))
        if media.kind == "video" or media.mime.endswith("-sequence"):
            blocks.extra.setdefault("values", {}).update(_video_values(buf))
    except (struct.error, IndexError, ValueError) as exc:
        blocks.warnings.append(f"{media.mime} structure unreadable: {exc}")
    values: dict[str, Any] = {}
    fallback: dict[str, Any] = {}
    for data, base in blocks.exif:
        try:
            reader = TiffReader(data, base)
        except TiffError as exc:
            blocks.warnings.append(f"EXIF block unreadable: {exc}")
            continue
        found = read_exif(reader)
        blocks.warnings.extend(reader.warnings)
        for key, target in (("XMP", blocks.xmp), ("IPTC", blocks.iptc)):
            embedded = found.pop(key, None)
            if isinstance(embedded, tuple):
                embedded = bytes(v & 0xFF for v in embedded)
            if isinstance(embedded, bytes | str):
                target.append(embedded.encode() if isinstance(embedded, str) else embedded)
        if media.mime == "image/x-panasonic-rw2":
            found.update(_rw2_values(TiffReader(data, base)))
        note = found.pop("_makernote", None)
        if note:
            make = found.get("Make") if isinstance(found.get("Make"), str) else ""
            try:
                fallback.update(read_makernote(reader, note[0], note[1], make))
            except (struct.error, IndexError, ValueError):
                blocks.warnings.append("maker note unreadable")
        for key, value in found.items():
            values.setdefault(key, value)
    if "CMT1" in blocks.extra:
        values.update(_cr3_values(blocks.extra))
    for key, value in blocks.extra.get("values", {}).items():
        values.setdefault(key, value)
    segments = blocks.segments
    for key, value in _segment_values(segments).items():
        fallback.setdefault(key, value)
    for key, value in fallback.items():
        values.setdefault(key, value)
    for packet in blocks.xmp:
        for key, value in read_xmp(packet).items():
            values.setdefault("XMP:" + key, value)
    for record in blocks.iptc:
        for key, value in read_iptc(record).items():
            values.setdefault("IPTC:" + key, value)
    return values, blocks


def _rw2_values(reader: TiffReader) -> dict[str, Any]:
    ifd0 = next(reader.chain(), None)
    if ifd0 is None:
        return {}
    out: dict[str, Any] = {}
    top, left, bottom, right = (ifd0.get(t) for t in (0x04, 0x05, 0x06, 0x07))
    if all(isinstance(v, int) for v in (top, left, bottom, right)):
        out["ImageWidth"], out["ImageHeight"] = right - left, bottom - top
    if isinstance(ifd0.get(0x17), int):
        out["ISO"] = ifd0.get(0x17)
    return out


def _cr3_values(extra: dict[str, bytes]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, table in (("CMT1", _IFD0), ("CMT2", _EXIF), ("CMT4", _GPS)):
        if name not in extra:
            continue
        try:
            reader = TiffReader(extra[name])
            ifd = reader.read_ifd(reader.first_ifd)
        except TiffError:
            continue
        if ifd is not None:
            _take(out, ifd, table)
            if name == "CMT1" and 0x0100 in ifd.tags:
                out["ImageWidth"], out["ImageHeight"] = ifd.get(0x0100), ifd.get(0x0101)
    if "CMT3" in extra:
        try:
            reader = TiffReader(extra["CMT3"])
            ifd = reader.read_ifd(reader.first_ifd)
            for key, value in (canon_values(ifd, out.get("Model", "")) if ifd else {}).items():
                out.setdefault(key, value)
        except TiffError:
            pass
    return out


def _segment_values(segments: dict[str, bytes]) -> dict[str, Any]:
    """Values from JPEG APP segments some old cameras use instead of EXIF."""
    out: dict[str, Any] = {}
    for name, data in segments.items():
        if data[6:10] == b"HEAP" and data[:2] == b"II":
            out.update(rawfmt.ciff_values(data, struct.unpack("<I", data[2:6])[0], len(data)))
        elif data.startswith(b"QVCI") and len(data) >= 0x4D + 19:
            stamp = data[0x4D : 0x4D + 19].decode("latin-1")
            if re.fullmatch(r"\d{4}\.\d\d\.\d\d\.\d\d\.\d\d\.\d\d", stamp):
                out["DateTimeOriginal"] = (
                    stamp[:10].replace(".", ":") + " " + stamp[11:].replace(".", ":")
                )
        elif data.startswith(b"[picture info]"):
            text = data.decode("latin-1", "replace")
            m = re.search(r"\bShutter=(\d+)", text)
            if m and int(m.group(1)):
                out.setdefault("ExposureTime", 1 / int(m.group(1)))
        del name
    return out


def _video_values(buf: Any) -> dict[str, Any]:
    """QuickTime/MP4 movie header creation time (UTC)."""
    moov = bmff._find(buf, 0, len(buf), b"moov")
    mvhd = bmff._find(buf, *moov, b"mvhd") if moov else None
    if mvhd is None:
        return {}
    body = bytes(buf[mvhd[0] : mvhd[0] + 12])
    seconds = struct.unpack(
        ">Q" if body[0] == 1 else ">I", body[4:12] if body[0] == 1 else body[4:8]
    )[0]
    if not seconds:
        return {}
    when = datetime(1904, 1, 1) + timedelta(seconds=seconds)
    return {"CreateDate": when.strftime("%Y:%m:%d %H:%M:%S+00:00")}


# -- building the result ----------------------------------------------------------------------


def _build(values: dict[str, Any], blocks: Blocks, media: MediaType) -> Metadata:
    meta = Metadata(warnings=list(dict.fromkeys(blocks.warnings)))

    def pick(name: str) -> Any:
        value = values.get(name)
        return value if value not in (None, "") else values.get("XMP:" + name)

    _set_date(meta, values)
    meta.make_raw = _text(pick("Make"))
    meta.model_raw = _text(pick("Model"))
    meta.camera_make = normalize_make(meta.make_raw)
    meta.camera_model = normalize_model(meta.model_raw, meta.make_raw)
    meta.lens = _text(pick("LensModel"))
    meta.exposure_time = _positive(pick("ExposureTime"))
    meta.f_number = _positive(pick("FNumber"))
    iso = _positive(pick("ISO"))
    meta.iso = round(iso) if iso else None
    meta.focal_length = _positive(pick("FocalLength"))
    _set_gps(meta, values)
    orientation = pick("Orientation")
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        meta.orientation = orientation
    elif orientation is not None:
        meta.warnings.append(f"invalid orientation {orientation!r}")
    size = blocks.size
    if size is None and isinstance(values.get("ImageWidth"), int):
        size = (values["ImageWidth"], values.get("ImageHeight"))
    if size is None and isinstance(values.get("XMP:ImageWidth"), int):
        size = (values["XMP:ImageWidth"], values.get("XMP:ImageHeight"))
    if size and all(isinstance(v, int) and v > 0 for v in size):
        meta.stored_width, meta.stored_height = size
        if media.mime in _HEIF:
            swap = blocks.extra.get("irot", 0) in (90, 270)
        else:
            swap = (meta.orientation or 1) >= 5
        meta.width, meta.height = (size[1], size[0]) if swap else size
    return meta


def _text(value: Any) -> str | None:
    """A display string: up to the first NUL, control characters dropped, spaces folded."""
    if isinstance(value, bytes):
        value = value.split(b"\0", 1)[0].decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = "".join(ch if ch.isprintable() else " " for ch in value.split("\0", 1)[0])
    return " ".join(value.split())[:MAX_TEXT] or None


def _positive(value: Any) -> float | None:
    if isinstance(value, tuple):
        value = value[0] if value else None
    if isinstance(value, Fraction | int | float) and value > 0:
        return float(value)
    return None


def _set_gps(meta: Metadata, values: dict[str, Any]) -> None:
    for axis, negative, limit in (("Latitude", "S", 90.0), ("Longitude", "W", 180.0)):
        raw = values.get("GPS" + axis)
        ref = values.get(f"GPS{axis}Ref")
        degrees = _dms(raw)
        if degrees is not None:
            if isinstance(ref, str) and ref.upper().startswith(negative):
                degrees = -degrees
        elif raw is not None:
            meta.warnings.append(f"GPS {axis.lower()} unreadable")
        else:
            degrees = values.get("XMP:GPS" + axis)
        if isinstance(degrees, float) and not -limit <= degrees <= limit:
            meta.warnings.append(f"GPS {axis.lower()} {degrees:g} is out of range")
            degrees = None
        setattr(meta, axis.lower(), degrees)
    alt = values.get("GPSAltitude")
    if isinstance(alt, Fraction | int | float):
        ref = values.get("GPSAltitudeRef")
        ref = ref[0] if isinstance(ref, bytes | tuple) and ref else ref
        meta.altitude = -float(alt) if ref == 1 else float(alt)
    elif isinstance(values.get("XMP:GPSAltitude"), float):
        below = values.get("XMP:GPSAltitudeRef") == 1
        meta.altitude = -values["XMP:GPSAltitude"] if below else values["XMP:GPSAltitude"]


def _dms(value: Any) -> float | None:
    if isinstance(value, Fraction | int | float):
        value = (value,)
    if not isinstance(value, tuple) or not value or any(v is None for v in value):
        return None
    parts = [float(v) for v in value[:3]] + [0.0, 0.0]
    return parts[0] + parts[1] / 60 + parts[2] / 3600


EARLIEST_YEAR = 1800  # older "capture dates" are unset camera clocks, not daguerreotypes
MAX_TEXT = 255

_DATE = re.compile(
    r"\s*(\d{4})[:-](\d\d)[:-](\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?"
)


def parse_date(text: Any) -> tuple[datetime, int | None] | None:
    """Parse an EXIF/XMP date string into (naive local time, offset minutes or None)."""
    if not isinstance(text, str):
        return None
    m = _DATE.match(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        when = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    return when, _offset(tz)


def _offset(tz: str | None) -> int | None:
    if not tz:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4]))


def _set_date(meta: Metadata, values: dict[str, Any]) -> None:
    iptc = _iptc_date(values)
    candidates = (
        ("DateTimeOriginal", "exif", values.get("OffsetTimeOriginal") or values.get("OffsetTime")),
        ("XMP:DateTimeOriginal", "xmp", None),
        ("IPTC", "iptc", None),
        ("CreateDate", "exif", values.get("OffsetTimeDigitized") or values.get("OffsetTime")),
        ("XMP:CreateDate", "xmp", None),
        ("XMP:DateCreated", "xmp", None),
    )
    for key, source, offset_text in candidates:
        raw = iptc if key == "IPTC" else values.get(key)
        if raw is None:
            continue
        parsed = parse_date(raw)
        if parsed is None:
            meta.warnings.append(f"unreadable date {key}={raw!r}")
            continue
        if not EARLIEST_YEAR <= parsed[0].year <= datetime.now().year + 1:
            meta.warnings.append(f"implausible date {key}={raw!r}")
            continue
        meta.taken_at, offset = parsed
        meta.taken_at_source = source
        if offset is None and isinstance(offset_text, str):
            offset = (
                _offset(offset_text.strip())
                if re.fullmatch(r"\s*[+-]\d\d:\d\d\s*", offset_text)
                else None
            )
        meta.taken_at_offset = offset if offset is not None else _gps_offset(meta.taken_at, values)
        return


def _iptc_date(values: dict[str, Any]) -> str | None:
    date = values.get("IPTC:DateCreated")
    if not isinstance(date, str) or not re.fullmatch(r"\d{8}", date):
        return None
    text = f"{date[:4]}:{date[4:6]}:{date[6:8]}"
    time = values.get("IPTC:TimeCreated")
    if isinstance(time, str) and re.fullmatch(r"\d{6}([+-]\d{4})?", time):
        text += f" {time[:2]}:{time[2:4]}:{time[4:6]}{time[6:]}"
    return text


def _gps_offset(local: datetime, values: dict[str, Any]) -> int | None:
    """UTC offset implied by the GPS timestamp, rounded to 15 minutes, when plausible."""
    date, stamp = values.get("GPSDateStamp"), values.get("GPSTimeStamp")
    if not isinstance(date, str) or not isinstance(stamp, tuple) or len(stamp) < 3:
        return None
    try:
        day = datetime.strptime(date.strip(), "%Y:%m:%d")
        utc = day + timedelta(
            seconds=sum(float(v) * f for v, f in zip(stamp, (3600, 60, 1), strict=False))
        )
    except (ValueError, TypeError):
        return None
    minutes = round((local - utc).total_seconds() / 900) * 15
    return minutes if abs(minutes) <= 14 * 60 else None
