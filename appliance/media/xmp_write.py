"""Writing Shoebox's decisions into an XMP sidecar through ExifTool (never into an original).

The values go to ExifTool as JSON (``-j=``), so names with commas or braces need no
escaping. ExifTool's JSON reader interprets two things inside strings (a ``base64:``
prefix is decoded, ``\\u0041`` is unescaped twice), so every text value is sent
base64-encoded (:func:`literal`): the sidecar holds exactly what was typed. A new sidecar
is created (``-o``); an existing one (ours, digiKam's, darktable's) is updated in place
and keeps every tag Shoebox does not manage. Tags written:

- ``xmp:Rating`` (favourite = 5), ``dc:title``, ``dc:description``
- manual labels as ``dc:subject`` and ``lr:hierarchicalSubject`` (existing hierarchies such
  as ``Places|Paris`` are kept for labels that are still there)
- named faces as MWG-rs regions (``mwg-rs:Regions``) and ``Iptc4xmpExt:PersonInImage``
- an edited capture date (``exif:DateTimeOriginal``, ``photoshop:DateCreated``) and place
  (``exif:GPSLatitude``/``GPSLongitude``)
- the picture's edit: turn, crop, straightening, light (`media.xmp_edits`)
- a private photo: ``shoebox:Private`` and its owner's user name ``shoebox:Owner`` (Shoebox's
  own namespace, `shoebox_xmp.config`: no standard schema has a private flag)
"""

from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.media import exiftool, xmp_edits
from appliance.media.regions import FaceRegion

PRIVATE_TAGS = ("XMP-shoebox:Private", "XMP-shoebox:Owner")
PEOPLE_ROOT = "People"  # lr:hierarchicalSubject parent of person names (Lightroom, digiKam)


@dataclass
class Decisions:
    """What people decided about one photo, as the sidecar carries it."""

    rating: int = 0
    title: str | None = None
    description: str | None = None
    labels: list[str] = field(default_factory=list)
    regions: list[FaceRegion] = field(default_factory=list)  # named faces only
    width: int | None = None  # displayed size the regions apply to
    height: int | None = None
    taken_at: datetime | None = None  # only when edited (else the original's date stands)
    taken_at_offset: int | None = None
    latitude: float | None = None  # only when set by a person
    longitude: float | None = None
    edits: dict[str, Any] | None = None  # the picture's edit recipe (catalog.photo_edits)
    orientation: int | None = None  # the file's own EXIF orientation (the turn composes)
    private: bool = False  # only its owner sees it (catalog.private)
    owner: str | None = None  # the owner's user name, written for a private photo

    @property
    def people(self) -> list[str]:
        return list(dict.fromkeys(r.name for r in self.regions if r.name))


def _date_text(when: datetime, offset: int | None) -> str:
    text = when.strftime("%Y:%m:%d %H:%M:%S")
    if offset is not None:
        sign = "-" if offset < 0 else "+"
        text += f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return text


def _hierarchy(existing: list[str], labels: list[str], people: list[str]) -> list[str]:
    """Keep existing hierarchical keywords whose leaf is still decided; add the rest."""
    leaves = {label.lower() for label in labels}
    names = set(people)
    kept = []
    for entry in existing:
        parts = entry.split("|")
        leaf = parts[-1]
        if (leaf.lower() in leaves and parts[0] != PEOPLE_ROOT) or (
            parts[0] == PEOPLE_ROOT and leaf in names
        ):
            kept.append(entry)
    have = {e.split("|")[-1].lower() for e in kept if not e.startswith(PEOPLE_ROOT + "|")}
    kept += [label for label in labels if label.lower() not in have]
    have_people = {e.split("|")[-1] for e in kept if e.startswith(PEOPLE_ROOT + "|")}
    kept += [f"{PEOPLE_ROOT}|{name}" for name in people if name not in have_people]
    return kept


MANAGED = (
    "XMP-xmp:Rating",
    "XMP-dc:Title",
    "XMP-dc:Description",
    "XMP-dc:Subject",
    "XMP-lr:HierarchicalSubject",
    "XMP-iptcExt:PersonInImage",
    "XMP-mwg-rs:RegionInfo",
    *xmp_edits.MANAGED,
    *PRIVATE_TAGS,
)


def tag_values(decisions: Decisions, existing_hierarchy: list[str]) -> dict[str, Any]:
    """The ExifTool tag values for ``decisions``; None: the tag is removed."""
    people = decisions.people
    values: dict[str, Any] = {
        "XMP-xmp:Rating": decisions.rating,
        "XMP-dc:Title": decisions.title or None,
        "XMP-dc:Description": decisions.description or None,
        "XMP-dc:Subject": decisions.labels or None,
        "XMP-lr:HierarchicalSubject": _hierarchy(existing_hierarchy, decisions.labels, people)
        or None,
        "XMP-iptcExt:PersonInImage": people or None,
    }
    if decisions.regions and decisions.width and decisions.height:
        values["XMP-mwg-rs:RegionInfo"] = {
            "AppliedToDimensions": {"W": decisions.width, "H": decisions.height, "Unit": "pixel"},
            "RegionList": [r.to_mwg() for r in decisions.regions],
        }
    else:
        values["XMP-mwg-rs:RegionInfo"] = None
    if decisions.taken_at is not None:
        text = _date_text(decisions.taken_at, decisions.taken_at_offset)
        values["XMP-exif:DateTimeOriginal"] = text
        values["XMP-photoshop:DateCreated"] = text
    if decisions.latitude is not None and decisions.longitude is not None:
        values["XMP-exif:GPSLatitude"] = decisions.latitude
        values["XMP-exif:GPSLongitude"] = decisions.longitude
    values.update(xmp_edits.edit_tags(decisions.edits, decisions.orientation))
    values["XMP-shoebox:Private"] = True if decisions.private else None
    values["XMP-shoebox:Owner"] = (decisions.owner or None) if decisions.private else None
    return values


def literal(value: Any) -> Any:
    """``value`` with every string base64-encoded for ExifTool's JSON import, which
    decodes ``base64:`` values to their exact bytes and interprets nothing else in them."""
    if isinstance(value, str):
        return "base64:" + base64.b64encode(value.encode("utf-8")).decode()
    if isinstance(value, list):
        return [literal(v) for v in value]
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items()}
    return value


def write_sidecar(path: Path, decisions: Decisions, timeout: float | None = None) -> None:
    """Create or update the sidecar at ``path``. Raises ExifToolError on failure."""
    engine = exiftool.shared()
    existing: list[str] = []
    if path.exists():
        record, _ = engine.read_json(path, ["-n", "-XMP-lr:HierarchicalSubject"])
        found = record.get("HierarchicalSubject") or []
        existing = [str(v) for v in (found if isinstance(found, list) else [found])]
    values = tag_values(decisions, existing)
    clear = [f"-{tag}=" for tag in MANAGED] if path.exists() else []  # then set anew
    values = {k: literal(v) for k, v in values.items() if v is not None}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".json", prefix=".xmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump([{"SourceFile": "*", **values}], fh, ensure_ascii=False)
        target = ["-overwrite_original", str(path)] if path.exists() else ["-o", str(path)]
        out, err = engine.execute("-n", *clear, f"-j={name}", *target, timeout=timeout)
    finally:
        os.unlink(name)
    summary = out + err  # the "1 image files updated" line goes to either stream
    problems = [line for line in summary.splitlines() if line.startswith("Error")]
    if problems or not re.search(r"\b1 image files (created|updated|unchanged)", summary):
        raise exiftool.ExifToolError(
            f"writing {path.name} failed: {'; '.join(problems) or summary.strip()}"
        )
