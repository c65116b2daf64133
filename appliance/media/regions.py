"""Face regions as XMP carries them: MWG-rs (digiKam, Lightroom, Picasa) and Microsoft's.

Shoebox keeps a region as a named box in normalised top-left coordinates of the displayed
photo (0..1), the same convention as MWG-rs except that MWG's X/Y are the box centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FaceRegion:
    """A named face: box (x, y, w, h) as fractions of the displayed photo, top-left origin."""

    name: str | None
    x: float
    y: float
    w: float
    h: float
    kind: str = "Face"

    def to_mwg(self) -> dict[str, Any]:
        """This region as one MWG-rs RegionList entry (centre-based normalised Area)."""
        entry: dict[str, Any] = {
            "Area": {
                "X": round(self.x + self.w / 2, 6),
                "Y": round(self.y + self.h / 2, 6),
                "W": round(self.w, 6),
                "H": round(self.h, 6),
                "Unit": "normalized",
            },
            "Type": self.kind,
        }
        if self.name:
            entry["Name"] = self.name
        return entry


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _clamped(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float] | None:
    if w <= 0 or h <= 0:
        return None
    x, y = max(0.0, x), max(0.0, y)
    return x, y, min(w, 1.0 - x), min(h, 1.0 - y)


def _mwg(info: Any) -> list[FaceRegion]:
    if not isinstance(info, dict):
        return []
    listed = info.get("RegionList") or []
    dims = info.get("AppliedToDimensions") or {}
    out = []
    for entry in listed if isinstance(listed, list) else [listed]:
        area = entry.get("Area") if isinstance(entry, dict) else None
        if not isinstance(area, dict):
            continue
        kind = str(entry.get("Type") or "Face")
        if kind not in ("Face", "Pet"):
            continue
        x, y, w, h = (_float(area.get(k)) for k in ("X", "Y", "W", "H"))
        if None in (x, y, w, h):
            continue
        if str(area.get("Unit", "normalized")).lower() == "pixel":
            width, height = _float(dims.get("W")), _float(dims.get("H"))
            if not width or not height:
                continue
            x, w, y, h = x / width, w / width, y / height, h / height  # type: ignore[operator]
        box = _clamped(x - w / 2, y - h / 2, w, h)  # type: ignore[operator]
        if box is not None:
            name = str(entry["Name"]).strip() if entry.get("Name") else None
            out.append(FaceRegion(name or None, *box, kind=kind))
    return out


def _microsoft(info: Any) -> list[FaceRegion]:
    if not isinstance(info, dict):
        return []
    listed = info.get("Regions") or []
    out = []
    for entry in listed if isinstance(listed, list) else [listed]:
        if not isinstance(entry, dict):
            continue
        parts = [_float(v) for v in str(entry.get("Rectangle", "")).split(",")]
        if len(parts) != 4 or None in parts:
            continue
        box = _clamped(*parts)  # type: ignore[arg-type]
        name = str(entry.get("PersonDisplayName") or "").strip() or None
        if box is not None:
            out.append(FaceRegion(name, *box))
    return out


def regions_from_xmp(mwg: Any, microsoft: Any = None) -> list[FaceRegion]:
    """Face regions from ExifTool's ``-struct`` RegionInfo (MWG-rs), else RegionInfoMP."""
    return _mwg(mwg) or _microsoft(microsoft)
