"""A photo's edit recipe (`catalog.photo_edits`) as XMP sidecar tags, and back.

The recipe is written in the forms other programs read: the turn as ``tiff:Orientation``
(the file's own orientation and the turn, composed: digiKam and darktable show the photo
turned), the crop and straightening as Camera Raw Settings (``crs:HasCrop``,
``crs:CropLeft/Top/Right/Bottom`` fractions, ``crs:CropAngle`` degrees: darktable imports
them), light and colour as ``crs:Exposure2012`` (stops), ``crs:Contrast2012`` and
``crs:IncrementalTemperature`` (-100..100) and ``crs:ConvertToGrayscale``. Reading them
back gives the same recipe, so a rebuild from sidecars keeps every edit. Shoebox's crop is
of the turned, straightened picture, Camera Raw's of the unturned one: for a photo both
turned and cropped, another program may crop elsewhere.
"""

from __future__ import annotations

from typing import Any

# EXIF orientation <-> clockwise degrees, for the orientations without a mirror
_DEGREES = {1: 0, 6: 90, 3: 180, 8: 270}
_ORIENTATION = {degrees: value for value, degrees in _DEGREES.items()}
CROP_TAGS = ("XMP-crs:CropLeft", "XMP-crs:CropTop", "XMP-crs:CropRight", "XMP-crs:CropBottom")
MANAGED = (
    "XMP-tiff:Orientation",
    "XMP-crs:HasCrop",
    *CROP_TAGS,
    "XMP-crs:CropAngle",
    "XMP-crs:Exposure2012",
    "XMP-crs:Contrast2012",
    "XMP-crs:IncrementalTemperature",
    "XMP-crs:ConvertToGrayscale",
)
READ_ARGS = ["-n", *(f"-{tag}" for tag in MANAGED)]


def edit_tags(edits: dict[str, Any] | None, file_orientation: int | None) -> dict[str, Any]:
    """ExifTool tag values for a recipe (None: the tag is left out)."""
    if not edits:
        return {}
    tags: dict[str, Any] = {}
    start = _DEGREES.get(file_orientation or 1)
    if edits.get("rotate") and start is not None:
        tags["XMP-tiff:Orientation"] = _ORIENTATION[(start + edits["rotate"]) % 360]
    crop = edits.get("crop")
    if crop or edits.get("straighten"):
        box = crop or {"x": 0, "y": 0, "w": 1, "h": 1}
        tags["XMP-crs:HasCrop"] = True
        tags["XMP-crs:CropLeft"] = box["x"]
        tags["XMP-crs:CropTop"] = box["y"]
        tags["XMP-crs:CropRight"] = round(box["x"] + box["w"], 4)
        tags["XMP-crs:CropBottom"] = round(box["y"] + box["h"], 4)
        tags["XMP-crs:CropAngle"] = edits.get("straighten", 0)
    if edits.get("exposure"):
        tags["XMP-crs:Exposure2012"] = edits["exposure"]
    if edits.get("contrast"):
        tags["XMP-crs:Contrast2012"] = round(edits["contrast"] * 100)
    if edits.get("warmth"):
        tags["XMP-crs:IncrementalTemperature"] = round(edits["warmth"] * 100)
    if edits.get("bw"):
        tags["XMP-crs:ConvertToGrayscale"] = True
    return tags


def _number(record: dict[str, Any], name: str) -> float | None:
    value = record.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _true(value: Any) -> bool:
    return value is True or value == 1 or str(value).lower() == "true"


def recipe_from_tags(record: dict[str, Any], file_orientation: int | None) -> dict[str, Any]:
    """The recipe the tags of a sidecar (ExifTool ``-n`` JSON, bare tag names) describe;
    the caller checks it (`catalog.photo_edits.normalise`)."""
    recipe: dict[str, Any] = {}
    start, shown = _DEGREES.get(file_orientation or 1), _DEGREES.get(record.get("Orientation"))
    if start is not None and shown is not None and shown != start:
        recipe["rotate"] = (shown - start) % 360
    edges = [_number(record, name) for name in ("CropLeft", "CropTop", "CropRight", "CropBottom")]
    if _true(record.get("HasCrop")) and None not in edges:
        left, top, right, bottom = edges
        recipe["crop"] = {
            "x": round(left, 4),
            "y": round(top, 4),
            "w": round(right - left, 4),
            "h": round(bottom - top, 4),
        }
        angle = _number(record, "CropAngle")
        if angle:
            recipe["straighten"] = angle
    for tag, name, scale in (
        ("Exposure2012", "exposure", 1),
        ("Contrast2012", "contrast", 100),
        ("IncrementalTemperature", "warmth", 100),
    ):
        value = _number(record, tag)
        if value:
            recipe[name] = round(value / scale, 2)
    if _true(record.get("ConvertToGrayscale")):
        recipe["bw"] = True
    return recipe
