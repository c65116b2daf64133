"""EXIF fields from a TIFF structure (JPEG APP1, TIFF/RAW files, HEIF Exif items, PNG eXIf...)."""

from __future__ import annotations

from typing import Any

from appliance.media.tiff import Ifd, TiffReader

# IFD0 / ExifIFD tags we keep, by ExifTool name.
_IFD0 = {
    0x010F: "Make",
    0x0110: "Model",
    0x0112: "Orientation",
    0x0132: "ModifyDate",
    0x02BC: "XMP",
    0x83BB: "IPTC",
    0x9003: "DateTimeOriginal",  # some RAWs (NEF, KDC) repeat it in IFD0
    0x829A: "ExposureTime",
    0x829D: "FNumber",
    0x920A: "FocalLength",
}
_EXIF = {
    0x829A: "ExposureTime",
    0x829D: "FNumber",
    0x8827: "ISO",
    0x9003: "DateTimeOriginal",
    0x9004: "CreateDate",
    0x9010: "OffsetTime",
    0x9011: "OffsetTimeOriginal",
    0x9012: "OffsetTimeDigitized",
    0x9291: "SubSecTimeOriginal",
    0x920A: "FocalLength",
    0xA434: "LensModel",
    0xA002: "ExifImageWidth",
    0xA003: "ExifImageHeight",
}
_GPS = {
    0x0001: "GPSLatitudeRef",
    0x0002: "GPSLatitude",
    0x0003: "GPSLongitudeRef",
    0x0004: "GPSLongitude",
    0x0005: "GPSAltitudeRef",
    0x0006: "GPSAltitude",
    0x0007: "GPSTimeStamp",
    0x001D: "GPSDateStamp",
}


def read_exif(reader: TiffReader) -> dict[str, Any]:
    """Collect the EXIF fields Shoebox uses from every IFD of ``reader``.

    The stored image size comes from the full-resolution IFD (NewSubfileType 0) when the
    file marks one, else from IFD0, which is how ExifTool chooses between a RAW's preview
    and sensor IFDs. ``_makernote`` holds (offset, make) for the maker-note parsers.
    """
    out: dict[str, Any] = {}
    chain = list(reader.chain())
    if not chain:
        return out
    ifd0 = chain[0]
    _take(out, ifd0, _IFD0)
    exif = reader.sub_ifd(ifd0, 0x8769)
    if exif is not None:
        _take(out, exif, _EXIF, override=True)
        if -0x927C in exif.tags:
            out["_makernote"] = (exif.tags[-0x927C], len(exif.tags.get(0x927C, b"")))
    gps = reader.sub_ifd(ifd0, 0x8825)
    if gps is not None:
        _take(out, gps, _GPS)
    images = [ifd0, *reader.sub_ifds(ifd0), *chain[1:]]
    for sub in reader.sub_ifds(ifd0):
        images.extend(reader.sub_ifds(sub))
    main = next((i for i in images if i.get(0x00FE) == 0 and 0x0100 in i.tags), None)
    if main is None and 0x0100 in ifd0.tags:
        main = ifd0
    if main is not None:
        out["ImageWidth"] = _int(main.get(0x0100))
        out["ImageHeight"] = _int(main.get(0x0101))
    if "Orientation" not in out:
        for ifd in images:
            if 0x0112 in ifd.tags:
                out["Orientation"] = ifd.get(0x0112)
                break
    return {k: v for k, v in out.items() if v is not None and v != ""}


def _take(out: dict[str, Any], ifd: Ifd, names: dict[int, str], override: bool = False) -> None:
    for tag, name in names.items():
        if tag in ifd.tags and (override or name not in out):
            value = ifd.tags[tag]
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            out[name] = value


def _int(value: Any) -> int | None:
    if isinstance(value, tuple):
        value = value[0] if value else None
    return int(value) if isinstance(value, int | float) else None
