"""A square crop around a face, cut from the photo's viewer thumbnail (a pure module).

The face box is in pixels of the full-size, oriented photo; the viewer thumbnail is the
same picture scaled down, so the box is scaled by the thumbnail's width over the photo's.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

CROP_SIZE = 160
PAD = 0.3  # of the face's larger side, on every side


def crop_box(
    box: tuple[float, float, float, float], photo_size: tuple[int, int], image_size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in ``image_size`` pixels of a padded square around ``box``,
    moved (not squeezed) to stay inside the image where it fits."""
    x, y, w, h = box
    scale = image_size[0] / photo_size[0] if photo_size[0] else 1.0
    side = max(w, h) * (1 + 2 * PAD) * scale
    side = max(1.0, min(side, float(min(image_size))))
    cx, cy = (x + w / 2) * scale, (y + h / 2) * scale
    left = min(max(cx - side / 2, 0.0), image_size[0] - side)
    top = min(max(cy - side / 2, 0.0), image_size[1] - side)
    return round(left), round(top), round(left + side), round(top + side)


def face_jpeg(
    thumbnail: Path, box: tuple[float, float, float, float], photo_size: tuple[int, int]
) -> bytes:
    """JPEG bytes of the face crop (CROP_SIZE square)."""
    with Image.open(thumbnail) as image:
        image = image.convert("RGB")
        region = image.crop(crop_box(box, photo_size, image.size))
    region = region.resize((CROP_SIZE, CROP_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    region.save(out, "JPEG", quality=85)
    return out.getvalue()


def cached_face_jpeg(
    cache_file: Path,
    thumbnail: Path,
    box: tuple[float, float, float, float],
    photo_size: tuple[int, int],
) -> Path:
    """The crop kept in ``cache_file`` (made once, written atomically)."""
    if cache_file.is_file():
        return cache_file
    data = face_jpeg(thumbnail, box, photo_size)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    partial = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, cache_file)
    return cache_file
