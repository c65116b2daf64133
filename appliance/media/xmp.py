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
_ELEM = re.compile(r"<" + _NAME + r"(?:\s[^>]*)?>([^<]*)</\1\s*>")
_LIST = re.compile(
    r"<"
    + _NAME
    + r"(?:\s[^>]*)?>\s*<rdf:(?:Seq|Bag|Alt)[^>]*>\s*<rdf:li(?:\s[^>]*)?>([^<]*)</rdf:li>"
)
_XMLNS = re.compile(r"""xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""")
# namespace URI -> the prefix used in _PROPS (files may bind other prefixes, e.g. xap:)
_NAMESPACES = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
}
_NUMERIC = {"ExposureTime", "FNumber", "FocalLength", "GPSAltitude"}
_INTEGER = {"Orientation", "ImageWidth", "ImageHeight", "ISO", "GPSAltitudeRef"}


def read_xmp(packet: bytes) -> dict[str, Any]:
    """Parse an XMP packet into ExifTool-named values (first occurrence wins)."""
    text = packet.decode("utf-8", "replace")
    prefixes = {p: _NAMESPACES[uri] for p, uri in _XMLNS.findall(text) if uri in _NAMESPACES}

    def canonical(name: str) -> str:
        prefix, _, local = name.partition(":")
        return f"{prefixes.get(prefix, prefix)}:{local}"

    raw: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        raw.setdefault(canonical(match.group(1)), match.group(2) or match.group(3) or "")
    for regex in (_ELEM, _LIST):
        for match in regex.finditer(text):
            raw.setdefault(canonical(match.group(1)), match.group(2))
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
