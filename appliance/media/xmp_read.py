"""Reading an XMP sidecar (``NAME.EXT.xmp``) into the metadata of its photo.

The sidecar holds decisions (Shoebox's own, or those of digiKam, darktable, Lightroom):
where it has a value, it wins over what is embedded in the file. A capture date or a place
in the sidecar is an edit, so it also wins; its date source is ``sidecar``.
"""

from __future__ import annotations

from pathlib import Path

from appliance.media import exiftool, xmp_edits, xmp_write
from appliance.media.metadata import ARGS, Metadata, build
from appliance.media.sniff import MediaType

_XMP = MediaType("application/rdf+xml", "sidecar", "xmp")


def read_sidecar(path: Path) -> Metadata:
    """The sidecar's own values (raises ExifToolError when ExifTool cannot read it)."""
    record, _ = exiftool.shared().read_json(path, ARGS)
    return build(record, _XMP)


def _own_tags(path: Path) -> dict:
    """The tags only Shoebox's decisions use: the picture's edit, the private flag."""
    args = [*xmp_edits.READ_ARGS, *(f"-{tag}" for tag in xmp_write.PRIVATE_TAGS)]
    try:
        record, _ = exiftool.shared().read_json(path, args)
    except exiftool.ExifToolError:
        return {}
    return record


def merge_sidecar(meta: Metadata, path: Path) -> None:
    """Overlay the decisions, date and place of the sidecar at ``path`` onto ``meta``."""
    try:
        side = read_sidecar(path)
    except exiftool.ExifToolError as exc:
        meta.warnings.append(f"sidecar {path.name} unreadable: {exc}")
        return
    meta.sidecar = str(path)
    own = _own_tags(path)
    meta.edits = xmp_edits.recipe_from_tags(own, meta.orientation) or None
    meta.private = own.get("Private") in (True, 1, "1", "true", "True")
    owner = own.get("Owner")
    meta.owner_name = str(owner) if meta.private and owner not in (None, "") else None
    for name in ("title", "description", "rating"):
        if getattr(side, name) is not None:
            setattr(meta, name, getattr(side, name))
    for name in ("keywords", "hierarchical_keywords", "people", "regions"):
        if getattr(side, name):
            setattr(meta, name, getattr(side, name))
    if side.taken_at is not None and side.taken_at_source in ("xmp", "exif"):
        meta.taken_at, meta.taken_at_offset = side.taken_at, side.taken_at_offset
        meta.taken_at_source = "sidecar"
    if side.latitude is not None and side.longitude is not None:
        meta.latitude, meta.longitude = side.latitude, side.longitude
        meta.place_source = "sidecar"
        meta.altitude = side.altitude if side.altitude is not None else meta.altitude
