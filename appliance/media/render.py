"""One decode per photo -> every size the library needs, from large to small.

Sizes (long side, aspect kept unless noted):

* viewer: 1600 px JPEG (quality 85). 1600 fills a 1080p screen and most laptop
  windows; a 12 MP JPEG reaches it from a half-size (1/2 DCT) decode.
* grid: 400 px JPEG (quality 80), sharp on 2x screens at a 200 px grid cell.
* model input: 224x224 RGB uint8 centre crop for the classifier.

Each size is made from the previous one (viewer from the reduced decode, grid from the
viewer, model input from the smallest that covers 224 px), so no step touches more pixels
than it must. Orientation and ICC -> sRGB run once, on the viewer-size image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from appliance.media.decode import RenderError, decode

__all__ = [
    "Renditions",
    "RenderError",
    "render",
    "renditions_from_viewer",
    "VIEWER_LONG_SIDE",
    "GRID_LONG_SIDE",
]

VIEWER_LONG_SIDE = 1600
GRID_LONG_SIDE = 400
MODEL_SIDE = 224
VIEWER_QUALITY = 85
GRID_QUALITY = 80
# Resampling: a box pre-reduction (reducing_gap) followed by an antialiasing filter.
_FILTER = Image.Resampling.BICUBIC
_REDUCING_GAP = 2.0


@dataclass
class Renditions:
    """Everything made from one decode of a photo (picklable)."""

    display_size: tuple[int, int]  # full-size (width, height) as displayed
    viewer_jpeg: bytes  # long side <= 1600 px
    grid_jpeg: bytes  # long side <= 400 px
    model_input: np.ndarray  # (224, 224, 3) uint8 RGB, centre crop
    viewer_image: Image.Image | None  # the viewer-size RGB image (for face detection)
    warnings: list[str] = field(default_factory=list)  # from the decode (incomplete file...)


def render(
    path: Path, mime: str, orientation: int | None = None, *, with_viewer_image: bool = True
) -> Renditions:
    """Decode ``path`` once and make the viewer, grid and model renditions from it.

    ``orientation`` is the EXIF orientation from the metadata reader (None: read it from
    the file; ignored for HEIF/AVIF/JPEG XL, whose decoders already orient the picture).
    Raises :class:`RenderError` with a readable reason for anything undecodable.
    """
    decoded = decode(Path(path), mime, VIEWER_LONG_SIDE, orientation)
    viewer = decoded.finish(fit(decoded.image, VIEWER_LONG_SIDE))
    renditions = renditions_from_viewer(viewer, decoded.display_size, with_viewer_image)
    renditions.warnings = list(decoded.warnings)
    return renditions


def renditions_from_viewer(
    viewer: Image.Image, display_size: tuple[int, int], with_viewer_image: bool = True
) -> Renditions:
    """Grid, model input and JPEGs from an upright RGB viewer-size image (a photo's reduced
    decode, or a video's poster frame); ``display_size`` is the full size as displayed."""
    viewer = fit(viewer, VIEWER_LONG_SIDE)
    grid = fit(viewer, GRID_LONG_SIDE)
    model_source = grid if min(grid.size) >= MODEL_SIDE else viewer
    return Renditions(
        display_size=display_size,
        viewer_jpeg=encode_jpeg(viewer, VIEWER_QUALITY),
        grid_jpeg=encode_jpeg(grid, GRID_QUALITY),
        model_input=np.asarray(centre_square(model_source, MODEL_SIDE), dtype=np.uint8),
        viewer_image=viewer if with_viewer_image else None,
    )


def fit(image: Image.Image, long_side: int) -> Image.Image:
    """``image`` scaled down (never up) so that its long side is at most ``long_side``."""
    w, h = image.size
    if max(w, h) <= long_side:
        return image
    scale = long_side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, _FILTER, reducing_gap=_REDUCING_GAP)


def centre_square(image: Image.Image, side: int) -> Image.Image:
    """The largest centred square of ``image``, resized to ``side`` x ``side``."""
    w, h = image.size
    crop = min(w, h)
    left, top = (w - crop) // 2, (h - crop) // 2
    box = (left, top, left + crop, top + crop)
    return image.resize((side, side), _FILTER, box=box, reducing_gap=_REDUCING_GAP)


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """Baseline JPEG bytes of an RGB image (no metadata: the pixels are already upright)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
