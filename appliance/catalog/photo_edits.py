"""Edits without harm: rotate, crop, straighten, light and colour, kept as a recipe.

The original is never written. A photo's edit is one small JSON object in the catalogue
(``photo.edits``; None: not edited) and, through the sidecar queue, in its XMP sidecar
(`media.xmp_write`); renditions, the viewer and edited downloads apply it
(`media.edit_render`). "Revert" sets it back to None and always works.

The recipe, every key optional (missing: unchanged)::

    rotate      0, 90, 180 or 270: degrees clockwise, applied first
    straighten  -45..45 degrees (clockwise), the corners cropped away
    crop        {x, y, w, h}: fractions of the rotated, straightened picture
    exposure    -2..2 (stops), contrast and warmth -1..1, bw true (black & white)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from appliance.catalog.models import Photo, database_proxy, utcnow
from appliance.errors import BadRequest, NotFound

ROTATIONS = (0, 90, 180, 270)
RANGES = {"straighten": 45.0, "exposure": 2.0, "contrast": 1.0, "warmth": 1.0}
KEYS = {"rotate", "crop", "bw", *RANGES}
MIN_CROP = 0.02  # a crop keeps at least 2% of a side


class EditRecipeError(BadRequest):
    """An edit that is not one Shoebox can apply (the message says which part)."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EditRecipeError(f"{name} must be a number")
    return float(value)


def _crop(raw: Any) -> dict[str, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"x", "y", "w", "h"}:
        raise EditRecipeError("crop is {x, y, w, h}, fractions of the picture")
    box = {k: round(_number(raw[k], f"crop.{k}"), 4) for k in ("x", "y", "w", "h")}
    inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["w"] <= 1.0001
    if not inside or box["y"] + box["h"] > 1.0001 or min(box["w"], box["h"]) < MIN_CROP:
        raise EditRecipeError("crop must lie inside the picture (fractions 0 to 1)")
    if box == {"x": 0, "y": 0, "w": 1, "h": 1}:
        return None
    return box


def normalise(raw: Any) -> dict[str, Any] | None:
    """The recipe as stored: checked, rounded, with what changes nothing left out; None
    when nothing is left (an edit that changes nothing is no edit)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise EditRecipeError("edits must be an object, or null to revert")
    unknown = set(raw) - KEYS
    if unknown:
        raise EditRecipeError(f"unknown edit {sorted(unknown)[0]!r}; known: {sorted(KEYS)}")
    out: dict[str, Any] = {}
    if "rotate" in raw:
        rotate = raw["rotate"]
        if isinstance(rotate, bool) or rotate not in ROTATIONS:
            raise EditRecipeError("rotate must be 0, 90, 180 or 270")
        if rotate:
            out["rotate"] = int(rotate)
    for name, limit in RANGES.items():
        if name in raw:
            value = round(_number(raw[name], name), 2)
            if abs(value) > limit:
                raise EditRecipeError(f"{name} must be between -{limit:g} and {limit:g}")
            if value:
                out[name] = value
    crop = _crop(raw.get("crop"))
    if crop:
        out["crop"] = crop
    if "bw" in raw:
        if not isinstance(raw["bw"], bool):
            raise EditRecipeError("bw must be true or false")
        if raw["bw"]:
            out["bw"] = True
    return out or None


def parse(text: str | None) -> dict[str, Any] | None:
    """The stored recipe of a photo (``photo.edits``), or None."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def key(edits: dict[str, Any] | None) -> str | None:
    """A short name of one recipe: renditions are cached and URLs versioned by it."""
    if not edits:
        return None
    canonical = json.dumps(edits, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def shown_size(width: int | None, height: int | None, edits: dict | None) -> tuple:
    """The displayed size once edited (rotation swaps the sides; a crop keeps its part)."""
    if not edits or not width or not height:
        return width, height
    if edits.get("rotate") in (90, 270):
        width, height = height, width
    crop = edits.get("crop")
    if crop:
        width, height = max(1, round(width * crop["w"])), max(1, round(height * crop["h"]))
    return width, height


def edits_of_primary(sha256: str) -> dict[str, Any] | None:
    """The edit of the photo whose thumbnails this file makes, if it has one."""
    row = (
        Photo.select(Photo.edits)
        .where((Photo.primary_sha256 == sha256) & Photo.edits.is_null(False))
        .first()
    )
    return parse(row.edits) if row else None


def _store(photo_id: int, edits: dict[str, Any] | None) -> None:
    text = json.dumps(edits, sort_keys=True) if edits else None
    Photo.update(edits=text, updated_at=utcnow()).where(Photo.id == photo_id).execute()


def set_edits(photo_id: int, raw: Any) -> dict[str, Any] | None:
    """Replace a photo's edit (None: revert to the original); returns what is stored."""
    edits = normalise(raw)
    with database_proxy.atomic():
        if not Photo.select().where(Photo.id == photo_id).exists():
            raise NotFound(f"no photo {photo_id}")
        _store(photo_id, edits)
    return edits


def rotate_photos(photo_ids: Iterable[int], by: Any) -> int:
    """Turn many photos by ``by`` degrees clockwise more (90, 180 or 270), keeping the rest
    of each one's edit; a crop turns with the picture. Returns how many were turned."""
    if isinstance(by, bool) or by not in (90, 180, 270, -90):
        raise EditRecipeError("rotate must be 90, 180 or 270 (or -90)")
    turned = 0
    with database_proxy.atomic():
        for photo_id, text in (
            Photo.select(Photo.id, Photo.edits).where(Photo.id.in_(list(photo_ids))).tuples()
        ):
            edits = dict(parse(text) or {})
            edits["rotate"] = (edits.get("rotate", 0) + by) % 360
            if edits.get("crop"):
                edits["crop"] = _turned_crop(edits["crop"], by % 360)
            _store(photo_id, normalise(edits))
            turned += 1
    return turned


def _turned_crop(crop: dict[str, float], by: int) -> dict[str, float]:
    """The same part of the picture once it is turned ``by`` degrees clockwise more."""
    x, y, w, h = crop["x"], crop["y"], crop["w"], crop["h"]
    for _ in range(by // 90):
        x, y, w, h = 1 - y - h, x, h, w
    return {"x": round(x, 4), "y": round(y, 4), "w": round(w, 4), "h": round(h, 4)}
