"""read_metadata: capture time, camera, exposure, GPS, video facts and XMP decisions of a file.

ExifTool reads the file (``appliance.media.exiftool``, one ``-stay_open`` process per
worker); this module maps its JSON (``-n -G -struct -api QuickTimeUTC``) to Shoebox's
:class:`Metadata`. Values come from ExifTool's family-0 groups, chosen in a fixed group
order per field (no per-file rules). The capture time follows the date-source ladder
EXIF -> XMP -> IPTC -> EXIF CreateDate -> XMP CreateDate -> QuickTime -> file name; the
file-time fallback is left to the caller (it knows the original's mtime before a copy).
A sidecar ``NAME.EXT.xmp`` beside the file is read too: its decisions win (:mod:`xmp_read`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.media import exiftool
from appliance.media.filename_dates import date_from_filename
from appliance.media.makes import normalize_make, normalize_model
from appliance.media.mime import is_heif
from appliance.media.regions import FaceRegion, regions_from_xmp
from appliance.media.sniff import MediaType, sniff


class MetadataError(Exception):
    """The file cannot be read at all (missing, unreadable, empty or not a media file)."""


@dataclass
class Metadata:
    """What Shoebox knows about one file. Sizes in pixels, angles in degrees, time local."""

    taken_at: datetime | None = None
    taken_at_offset: int | None = None  # minutes east of UTC
    taken_at_source: str | None = None  # exif, xmp, iptc, quicktime, quicktime-utc, filename
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
    place_source: str | None = None  # "sidecar" when the place came from the XMP sidecar
    orientation: int | None = None
    width: int | None = None
    height: int | None = None
    stored_width: int | None = None
    stored_height: int | None = None
    # video and motion photos (names relied on by the video pipeline: keep them stable)
    duration: float | None = None  # seconds
    video_codec: str | None = None  # h264, hevc, vp9, av1, ... (else the container's code)
    frame_rate: float | None = None  # frames per second
    rotation: int | None = None  # degrees clockwise to display (QuickTime matrix, HEIF irot)
    content_identifier: str | None = None  # Apple Live Photo pairing id
    motion_photo: bool = False  # a still carrying a video (Samsung / Google Motion Photo)
    motion_photo_offset: int | None = None  # byte offset of the embedded video, when known
    motion_photo_length: int | None = None  # its length in bytes, when known
    # decisions written by people (embedded XMP/IPTC and the sidecar)
    title: str | None = None
    description: str | None = None
    rating: int | None = None  # XMP 0-5 (-1: rejected)
    keywords: list[str] = field(default_factory=list)  # flat labels (dc:subject, IPTC)
    hierarchical_keywords: list[str] = field(default_factory=list)  # lr:hierarchicalSubject
    people: list[str] = field(default_factory=list)  # Iptc4xmpExt:PersonInImage
    regions: list[FaceRegion] = field(default_factory=list)  # MWG-rs face regions
    sidecar: str | None = None  # path of the sidecar that was read, if any
    edits: dict | None = None  # the picture's edit recipe its sidecar carries (xmp_edits)
    private: bool = False  # its sidecar says only its owner sees it (shoebox:Private)
    owner_name: str | None = None  # that owner's user name (shoebox:Owner)
    warnings: list[str] = field(default_factory=list)


# Tags asked of ExifTool. Unqualified names come back once per family-0 group (-G).
TAGS: tuple[str, ...] = (
    # dates
    *("DateTimeOriginal", "CreateDate", "DateCreated", "TimeCreated", "CreationDate"),
    *("OffsetTimeOriginal", "OffsetTimeDigitized", "OffsetTime", "GPSDateTime"),
    # camera, exposure, place, geometry
    *("Make", "Model", "LensModel", "ExposureTime", "FNumber", "ISO", "FocalLength"),
    *("GPSLatitude", "GPSLongitude", "GPSAltitude", "Orientation", "ImageWidth", "ImageHeight"),
    # video and motion photos
    *("Rotation", "Duration", "CompressorID", "CodecID", "VideoCodec", "VideoFrameRate"),
    *("ContentIdentifier", "MediaGroupUUID", "MotionPhoto", "MicroVideo", "MicroVideoOffset"),
    *("MotionPhotoVideo", "EmbeddedVideoType", "EmbeddedVideoFile", "FileSize"),
    *("DirectoryItemSemantic", "DirectoryItemLength"),
    # decisions people made (XMP, IPTC), and ExifTool's own messages
    *("Title", "Description", "ObjectName", "Caption-Abstract", "Rating", "Subject"),
    *("Keywords", "HierarchicalSubject", "PersonInImage", "RegionInfo", "RegionInfoMP"),
    *("Warning", "Error"),
)
ARGS = ["-n", "-G", "-struct", "-api", "QuickTimeUTC", *(f"-{t}" for t in TAGS)]

# Where a field's value is taken from, best first (family-0 groups of ExifTool).
CAMERA_GROUPS = ("EXIF", "MakerNotes", "QuickTime", "XMP", "IPTC")
GPS_GROUPS = ("Composite", "EXIF", "QuickTime", "XMP")
# image size: ExifTool's composite, the file's own header, the container, then EXIF/XMP
SIZE_FIRST = ("Composite", "File")
SIZE_LAST = ("EXIF", "MakerNotes", "XMP")
NOT_EXIF = {"XMP", "IPTC", "QuickTime", "Composite", "File"}


def read_metadata(
    path: Path, media: MediaType | None = None, *, sidecar: Path | None = None
) -> Metadata:
    """Read the metadata of ``path`` (and of its XMP ``sidecar``, by default NAME.EXT.xmp).

    Damaged metadata yields warnings, not exceptions. Raises MetadataError when the file
    cannot be opened, is empty, is not a media type, or ExifTool fails on it.
    """
    try:
        media = media or sniff(path)
        if path.stat().st_size == 0:
            raise MetadataError("empty file")
    except OSError as exc:
        raise MetadataError(f"cannot read file: {exc.strerror or exc}") from exc
    if media.kind == "unknown":
        raise MetadataError(f"not a recognised media file ({media.mime})")
    record, messages = _exiftool(path)
    meta = build(record, media)
    meta.warnings.extend(messages)
    if meta.taken_at is None:
        guess = date_from_filename(path.name)
        if guess is not None:
            meta.taken_at, meta.taken_at_source = guess, "filename"
    side = sidecar if sidecar is not None else source_sidecar(path)
    if side.is_file():
        from appliance.media.xmp_read import merge_sidecar

        merge_sidecar(meta, side)
    return meta


def sidecar_beside(path: Path) -> Path:
    """``NAME.EXT.xmp`` next to ``path`` (the darktable / digiKam convention)."""
    return path.with_name(path.name + ".xmp")


def sidecar_candidates(path: Path) -> list[Path]:
    """Where a file's own sidecar may be, in order of trust: ``NAME.EXT.xmp`` (darktable,
    digiKam, Shoebox), then ``NAME.xmp`` / ``NAME.XMP`` (Apple Photos' "Export IPTC as
    XMP", Lightroom, Capture One)."""
    candidates = [sidecar_beside(path)]
    if path.suffix:
        candidates += [s for s in (path.with_suffix(".xmp"), path.with_suffix(".XMP")) if s != path]
    return candidates


def source_sidecar(path: Path) -> Path:
    """The sidecar a file brought along (the first of :func:`sidecar_candidates` that
    exists); the first candidate when there is none."""
    candidates = sidecar_candidates(path)
    return next((side for side in candidates if side.is_file()), candidates[0])


def _exiftool(path: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        record, err = exiftool.shared().read_json(path, ARGS)
    except exiftool.ExifToolError as exc:
        raise MetadataError(str(exc)) from exc
    messages = [f"exiftool: {line}" for line in err.splitlines() if line.strip()]
    for key in ("ExifTool:Error", "ExifTool:Warning"):
        if record.get(key):
            messages.append(f"exiftool: {record[key]}")
    return record, messages


# -- mapping ExifTool's record ----------------------------------------------------------------


class Record:
    """ExifTool's ``-G`` JSON for one file: values by tag name, per family-0 group."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.by_tag: dict[str, dict[str, Any]] = {}
        for key, value in raw.items():
            group, _, tag = key.rpartition(":")
            if value not in (None, "", "undef"):
                self.by_tag.setdefault(tag, {})[group] = value

    def get(self, tag: str, groups: tuple[str, ...] = (), *, other: bool = True) -> Any:
        """The value of ``tag`` from the first of ``groups`` that has it, else (``other``)
        from any group."""
        found = self.by_tag.get(tag, {})
        for group in groups:
            if group in found:
                return found[group]
        if other and found:
            return next(iter(found.values()))
        return None

    def groups(self, tag: str) -> dict[str, Any]:
        return self.by_tag.get(tag, {})


def build(raw: dict[str, Any], media: MediaType) -> Metadata:
    """Map one ExifTool record to :class:`Metadata` (also used for sidecars)."""
    rec = Record(raw)
    meta = Metadata()
    _set_date(meta, rec)
    meta.make_raw = _text(rec.get("Make", CAMERA_GROUPS))
    meta.model_raw = _text(rec.get("Model", CAMERA_GROUPS))
    meta.camera_make = normalize_make(meta.make_raw)
    meta.camera_model = normalize_model(meta.model_raw, meta.make_raw)
    meta.lens = _text(rec.get("LensModel", CAMERA_GROUPS))
    meta.exposure_time = _positive(rec.get("ExposureTime", CAMERA_GROUPS))
    meta.f_number = _positive(rec.get("FNumber", CAMERA_GROUPS))
    iso = _positive(rec.get("ISO", CAMERA_GROUPS))
    meta.iso = round(iso) if iso else None
    meta.focal_length = _positive(rec.get("FocalLength", CAMERA_GROUPS))
    _set_gps(meta, rec)
    orientation = rec.get("Orientation", ("EXIF", "XMP", "MakerNotes"))
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        meta.orientation = orientation
    elif orientation is not None:
        meta.warnings.append(f"invalid orientation {orientation!r}")
    _set_video(meta, rec, media)
    _set_size(meta, rec, media)
    _set_decisions(meta, rec)
    return meta


def _set_size(meta: Metadata, rec: Record, media: MediaType) -> None:
    width, height = _size_value(rec, "ImageWidth"), _size_value(rec, "ImageHeight")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        return
    meta.stored_width, meta.stored_height = width, height
    if is_heif(media.mime) or media.kind == "video":
        swap = meta.rotation in (90, 270)  # irot / track matrix: the decoder turns it
    else:
        swap = (meta.orientation or 1) >= 5
    meta.width, meta.height = (height, width) if swap else (width, height)


def _size_value(rec: Record, tag: str) -> Any:
    found = rec.groups(tag)
    container = [g for g in found if g not in SIZE_FIRST + SIZE_LAST and not g.startswith("APP")]
    for group in (*SIZE_FIRST, *container, *SIZE_LAST):
        if group in found:
            return found[group]
    return None


def _text(value: Any) -> str | None:
    """A display string: up to the first NUL, control characters dropped, spaces folded."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = "".join(ch if ch.isprintable() else " " for ch in value.split("\0", 1)[0])
    return " ".join(value.split())[:MAX_TEXT] or None


def _number(value: Any) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):  # "0 200": several values (e.g. Nikon ISO), the last counts
        try:
            return float(value.split()[-1])
        except (ValueError, IndexError):
            return None
    return None


def _positive(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _set_gps(meta: Metadata, rec: Record) -> None:
    for axis, limit in (("Latitude", 90.0), ("Longitude", 180.0)):
        raw = rec.get("GPS" + axis, GPS_GROUPS)
        degrees = _number(raw)
        if raw is not None and degrees is None:
            meta.warnings.append(f"GPS {axis.lower()} unreadable")
        if degrees is not None and not -limit <= degrees <= limit:
            meta.warnings.append(f"GPS {axis.lower()} {degrees:g} is out of range")
            degrees = None
        setattr(meta, axis.lower(), degrees)
    meta.altitude = _number(rec.get("GPSAltitude", GPS_GROUPS))


# -- video and motion photos ------------------------------------------------------------------

CODECS = {
    "avc1": "h264",
    "avc3": "h264",
    "h264": "h264",
    "hvc1": "hevc",
    "hev1": "hevc",
    "dvh1": "hevc",
    "vp09": "vp9",
    "v_vp9": "vp9",
    "v_vp8": "vp8",
    "vp08": "vp8",
    "av01": "av1",
    "v_av1": "av1",
    "v_mpeg4/iso/avc": "h264",
    "v_mpegh/iso/hevc": "hevc",
    "mp4v": "mpeg4",
    "apcn": "prores",
    "apch": "prores",
    "apcs": "prores",
    "apco": "prores",
    "ap4h": "prores",
    "jpeg": "mjpeg",
    "mjpa": "mjpeg",
    "s263": "h263",
    "h263": "h263",
}
_BINARY = re.compile(r"\(Binary data (\d+) bytes")


def _set_video(meta: Metadata, rec: Record, media: MediaType) -> None:
    meta.duration = _duration(rec.get("Duration", ("QuickTime", "Matroska", "RIFF", "Composite")))
    codec = rec.get("CompressorID", ("QuickTime",)) or rec.get("CodecID") or rec.get("VideoCodec")
    if isinstance(codec, str) and codec.strip():
        meta.video_codec = CODECS.get(codec.strip().lower(), codec.strip().lower())
    rate = _positive(rec.get("VideoFrameRate"))
    meta.frame_rate = round(rate, 3) if rate else None
    rotation = _number(rec.get("Rotation", ("Composite", "QuickTime")))
    if rotation is not None and int(rotation) % 90 == 0:
        meta.rotation = int(rotation) % 360
    ident = rec.get("ContentIdentifier", ("QuickTime", "MakerNotes"))
    meta.content_identifier = _text(ident) or _text(rec.get("MediaGroupUUID"))
    _set_motion_photo(meta, rec)


def _duration(value: Any) -> float | None:
    """Seconds from ExifTool's number, or its ``HH:MM:SS.fff`` string (Matroska)."""
    if isinstance(value, str) and ":" in value:
        try:
            parts = [float(p) for p in value.split(":")]
        except ValueError:
            return None
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + part
        return seconds if seconds > 0 else None
    return _positive(value)


def _set_motion_photo(meta: Metadata, rec: Record) -> None:
    """Google Motion Photo (XMP GCamera + Container directory), old Google MicroVideo,
    Samsung (trailer EmbeddedVideo, HEIC ``mpvd`` box)."""
    flag = _number(rec.get("MotionPhoto")) or _number(rec.get("MicroVideo"))
    file_size = _number(rec.get("FileSize", ("File",)))
    semantics = rec.get("DirectoryItemSemantic", ("XMP",))
    lengths = rec.get("DirectoryItemLength", ("XMP",))
    if isinstance(semantics, list) and isinstance(lengths, list):
        for name, length in zip(semantics, lengths, strict=False):
            if str(name) == "MotionPhoto" and isinstance(length, int) and length > 0:
                meta.motion_photo_length = length
                if file_size and semantics[-1] == "MotionPhoto":
                    meta.motion_photo_offset = int(file_size) - length
    micro = _number(rec.get("MicroVideoOffset"))
    if micro and file_size and meta.motion_photo_offset is None:
        meta.motion_photo_offset = int(file_size - micro)
        meta.motion_photo_length = int(micro)
    embedded = rec.get("MotionPhotoVideo") or rec.get("EmbeddedVideoFile")
    kind = rec.get("EmbeddedVideoType")
    if isinstance(embedded, str) and (m := _BINARY.match(embedded)):
        meta.motion_photo_length = meta.motion_photo_length or int(m.group(1))
        if rec.get("MotionPhotoVideo") is not None or kind == "MotionPhoto_Data":
            flag = 1
    if isinstance(kind, str) and kind.startswith("MotionPhoto"):
        flag = 1
    meta.motion_photo = bool(flag)
    if not meta.motion_photo:
        meta.motion_photo_offset = meta.motion_photo_length = None


# -- decisions: title, description, rating, keywords, people ----------------------------------


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        text = _text(item)
        if text and text not in out:
            out.append(text)
    return out


def _set_decisions(meta: Metadata, rec: Record) -> None:
    meta.title = _text(rec.get("Title", ("XMP",))) or _text(rec.get("ObjectName", ("IPTC",)))
    meta.description = _text(rec.get("Description", ("XMP",))) or _text(
        rec.get("Caption-Abstract", ("IPTC",))
    )
    rating = _number(rec.get("Rating", ("XMP", "EXIF")))
    meta.rating = int(rating) if rating is not None and -1 <= rating <= 5 else None
    # MWG: XMP keywords win over IPTC ones (IPTC is only read when XMP has none)
    meta.keywords = _list(rec.get("Subject", ("XMP",), other=False)) or _list(
        rec.get("Keywords", ("IPTC", "XMP"))
    )
    meta.hierarchical_keywords = _list(rec.get("HierarchicalSubject", ("XMP",)))
    meta.people = _list(rec.get("PersonInImage", ("XMP",)))
    meta.regions = regions_from_xmp(rec.get("RegionInfo", ("XMP",)), rec.get("RegionInfoMP"))


# -- the capture date -------------------------------------------------------------------------

EARLIEST_YEAR = 1800  # older "capture dates" are unset camera clocks, not daguerreotypes
MAX_TEXT = 255

_DATE = re.compile(
    r"\s*(\d{4})[:-](\d\d)[:-](\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?"
)
_OFFSET = re.compile(r"\s*([+-]\d\d:\d\d|Z)\s*")


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


def _exif_value(rec: Record, tag: str) -> Any:
    """``tag`` from EXIF or another camera-specific group (maker notes, RAW records)."""
    found = rec.groups(tag)
    if "EXIF" in found:
        return found["EXIF"]
    return next((v for g, v in found.items() if g not in NOT_EXIF), None)


def _iptc_date(rec: Record) -> str | None:
    date = rec.get("DateCreated", ("IPTC",), other=False)
    if not isinstance(date, str):
        return None
    time = rec.get("TimeCreated", ("IPTC",), other=False)
    return f"{date} {time}" if isinstance(time, str) else date


def _set_date(meta: Metadata, rec: Record) -> None:
    """The first plausible date of the ladder, with its UTC offset when one is known."""
    exif_offset = _exif_value(rec, "OffsetTimeOriginal") or _exif_value(rec, "OffsetTime")
    digitized_offset = _exif_value(rec, "OffsetTimeDigitized") or _exif_value(rec, "OffsetTime")
    ladder: tuple[tuple[Any, str, Any], ...] = (
        (_exif_value(rec, "DateTimeOriginal"), "exif", exif_offset),
        (rec.get("DateTimeOriginal", ("XMP",), other=False), "xmp", None),
        (_iptc_date(rec), "iptc", None),
        (_exif_value(rec, "CreateDate"), "exif", digitized_offset),
        (rec.get("CreateDate", ("XMP",), other=False), "xmp", None),
        (rec.get("DateCreated", ("XMP",), other=False), "xmp", None),
        (rec.get("CreationDate", ("QuickTime",), other=False), "quicktime", None),
        (rec.get("CreateDate", ("QuickTime",), other=False), "quicktime-utc", None),
    )
    for raw, source, offset_text in ladder:
        if raw is None:
            continue
        parsed = parse_date(str(raw))
        if parsed is None or parsed[0] <= QUICKTIME_EPOCH:
            if source.startswith("quicktime"):
                continue  # QuickTime's 0000:00:00 and 1904-01-01 mean "unset", not errors
            meta.warnings.append(f"unreadable date {source}={raw!r}")
            continue
        if not EARLIEST_YEAR <= parsed[0].year <= datetime.now().year + 1:
            meta.warnings.append(f"implausible date {source}={raw!r}")
            continue
        meta.taken_at, offset = parsed
        meta.taken_at_source = source
        if offset is None and isinstance(offset_text, str) and _OFFSET.fullmatch(offset_text):
            offset = _offset(offset_text.strip())
        if offset is None:
            offset = _gps_offset(meta.taken_at, rec.get("GPSDateTime", ("Composite", "XMP")))
        meta.taken_at_offset = offset
        return


QUICKTIME_EPOCH = datetime(1904, 1, 1)


def _gps_offset(local: datetime, gps_utc: Any) -> int | None:
    """UTC offset implied by the GPS timestamp, rounded to 15 minutes, when plausible."""
    parsed = parse_date(gps_utc) if isinstance(gps_utc, str) else None
    if parsed is None:
        return None
    minutes = round((local - parsed[0]).total_seconds() / 900) * 15
    return minutes if abs(minutes) <= 14 * 60 else None
