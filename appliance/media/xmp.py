"""The few XMP properties Shoebox reads, from an XMP packet (attribute or element form)."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

# XMP property (prefix:name) -> ExifTool tag name
_PROPS = {
    "exif:DateTimeOriginal": "DateTimeOriginal",
    "xmp:CreateDate": "CreateDate",
    "exif:DateTimeDigitized": "CreateDate",
    "photoshop:DateCreated": "DateCreated",
    "tiff:Make": "Make",
    "tiff:Model": "Model",
    "exifEX:LensModel": "LensModel",
    "aux:Lens": "Lens",
    "exif:GPSLatitude": "GPSLatitude",
    "exif:GPSLongitude": "GPSLongitude",
    "exif:GPSAltitude": "GPSAltitude",
    "exif:GPSAltitudeRef": "GPSAltitudeRef",
    "tiff:Orientation": "Orientation",
    "tiff:ImageWidth": "ImageWidth",
    "tiff:ImageLength": "ImageHeight",
    "exif:ExposureTime": "ExposureTime",
    "exif:FNumber": "FNumber",
    "exif:ISOSpeedRatings": "ISO",
    "exifEX:PhotographicSensitivity": "ISO",
    "exif:FocalLength": "FocalLength",
}
_NAME = r"([A-Za-z][\w.-]*:[A-Za-z][\w.-]*)"
_ATTR = re.compile(_NAME + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ELEM = re.compile(r"<" + _NAME + r"(?:\s[^>]*)?>(.*?)</\1\s*>", re.S)
_LI = re.compile(r"<rdf:li(?:\s[^>]*)?>(.*?)</rdf:li>", re.S)
_NUMERIC = {"ExposureTime", "FNumber", "FocalLength", "GPSAltitude"}
_INTEGER = {"Orientation", "ImageWidth", "ImageHeight", "ISO", "GPSAltitudeRef"}


def read_xmp(packet: bytes) -> dict[str, Any]:
    """Parse an XMP packet into ExifTool-named values (first occurrence wins)."""
    text = packet.decode("utf-8", "replace")
    raw: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        raw.setdefault(match.group(1), match.group(2) or match.group(3) or "")
    for match in _ELEM.finditer(text):
        inner = match.group(2)
        items = _LI.findall(inner)
        value = items[0] if items else inner
        if "<" not in value:
            raw.setdefault(match.group(1), value)
    out: dict[str, Any] = {}
    for prop, name in _PROPS.items():
        value = raw.get(prop, "").strip()
        if not value or name in out:
            continue
        parsed = _convert(name, _unescape(value))
        if parsed is not None:
            out[name] = parsed
    if "LensModel" not in out and "Lens" in out:
        out["LensModel"] = out["Lens"]
    out.pop("Lens", None)
    return out


def _unescape(value: str) -> str:
    return (
        value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def _convert(name: str, value: str) -> Any:
    try:
        if name in ("GPSLatitude", "GPSLongitude"):
            return _coordinate(value)
        if name in _NUMERIC:
            return float(Fraction(value)) if "/" in value else float(value)
        if name in _INTEGER:
            return int(value.split()[0])
    except (ValueError, ZeroDivisionError):
        return None
    return value


def _coordinate(value: str) -> float | None:
    """XMP GPS coordinate 'DDD,MM.mmmX' or 'DDD,MM,SSX' -> signed decimal degrees."""
    m = re.fullmatch(
        r"\s*(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*", value
    )
    if m is None:
        return float(value)  # some writers store plain decimal degrees
    deg = float(m.group(1)) + float(m.group(2)) / 60 + float(m.group(3) or 0) / 3600
    return -deg if m.group(4) in "SW" else deg
