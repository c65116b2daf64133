"""Apply an edit recipe (`catalog.photo_edits`) to pixels with Pillow, and keep the edited
renditions: ``cache/edited/<size>/<sha[:2]>/<sha>-<recipe key>.jpg``, made on first
request from the photo's viewer thumbnail (1600 px; regenerable like every cache file).
A full-size edited JPEG (a download) is made from the original's decode, one at a time."""

from __future__ import annotations

import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageEnhance, ImageOps

from appliance.media.as_jpeg import JPEG_QUALITY, MAX_LONG_SIDE
from appliance.media.decode import decode
from appliance.media.render import (
    GRID_LONG_SIDE,
    GRID_QUALITY,
    VIEWER_LONG_SIDE,
    VIEWER_QUALITY,
    encode_jpeg,
    fit,
)

_TURN = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
SIZES = {"grid": (GRID_LONG_SIDE, GRID_QUALITY), "viewer": (VIEWER_LONG_SIDE, VIEWER_QUALITY)}


def _straighten(image: Image.Image, degrees: float) -> Image.Image:
    """Turn by ``degrees`` clockwise and keep the largest upright rectangle of the same
    shape that holds no empty corner."""
    w, h = image.size
    turned = image.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=False)
    a = math.radians(abs(degrees))
    # the w x h frame scaled by s fits inside the turned picture when
    # s * (w cos a + h sin a) <= w and s * (w sin a + h cos a) <= h
    scale = min(w / (w * math.cos(a) + h * math.sin(a)), h / (w * math.sin(a) + h * math.cos(a)))
    cw, ch = max(1, int(w * scale)), max(1, int(h * scale))
    left, top = (w - cw) // 2, (h - ch) // 2
    return turned.crop((left, top, left + cw, top + ch))


def _warmth(image: Image.Image, amount: float) -> Image.Image:
    """Warmer (more red, less blue) for amount > 0, cooler below: up to 15% per channel."""
    r, g, b = image.split()
    gain = 0.15 * amount
    r = r.point(lambda v: min(255, round(v * (1 + gain))))
    b = b.point(lambda v: min(255, round(v * (1 - gain))))
    return Image.merge("RGB", (r, g, b))


def apply(image: Image.Image, edits: dict[str, Any] | None) -> Image.Image:
    """The picture with the recipe applied, in its order: rotate, straighten, crop, then
    exposure, contrast, warmth and black & white."""
    if not edits:
        return image
    out = image.convert("RGB") if image.mode != "RGB" else image
    if edits.get("rotate") in _TURN:
        out = out.transpose(_TURN[edits["rotate"]])
    if edits.get("straighten"):
        out = _straighten(out, float(edits["straighten"]))
    crop = edits.get("crop")
    if crop:
        w, h = out.size
        box = (
            round(crop["x"] * w),
            round(crop["y"] * h),
            round((crop["x"] + crop["w"]) * w),
            round((crop["y"] + crop["h"]) * h),
        )
        out = out.crop(box)
    if edits.get("exposure"):
        out = ImageEnhance.Brightness(out).enhance(2.0 ** float(edits["exposure"]))
    if edits.get("contrast"):
        out = ImageEnhance.Contrast(out).enhance(1.0 + float(edits["contrast"]))
    if edits.get("warmth"):
        out = _warmth(out, float(edits["warmth"]))
    if edits.get("bw"):
        out = ImageOps.grayscale(out).convert("RGB")
    return out


class EditedCache:
    """Edited grid and viewer renditions, by content hash and recipe key."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir) / "edited"

    def path(self, sha256: str, size: str, recipe_key: str) -> Path:
        if size not in SIZES or not recipe_key.isalnum():
            raise ValueError(f"bad edited rendition {size!r} {recipe_key!r}")
        return self.root / size / sha256[:2] / f"{sha256}-{recipe_key}.jpg"

    def rendition(
        self, sha256: str, size: str, recipe_key: str, viewer_thumb: Path, edits: dict
    ) -> Path:
        """The edited rendition, made from the viewer thumbnail if it is not there yet."""
        target = self.path(sha256, size, recipe_key)
        if target.is_file() and target.stat().st_size > 0:
            return target
        long_side, quality = SIZES[size]
        with Image.open(viewer_thumb) as source:
            edited = fit(apply(source, edits), long_side)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(encode_jpeg(edited, quality))
        os.replace(temp, target)
        return target


def full_size_jpeg(path: Path, mime: str, edits: dict[str, Any] | None) -> bytes:
    """The original decoded upright at full size (long side capped as for JPEG downloads),
    edited, as JPEG bytes: "Download edited"."""
    decoded = decode(path, mime, MAX_LONG_SIDE)
    image = apply(decoded.finish(fit(decoded.image, MAX_LONG_SIDE)), edits)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
