"""Measurable quality features of one photo, from its grid thumbnail and its faces.

Everything is measured on the 400 px grid rendition the render stage already made (no second
decode of the original): sharpness as the variance of the Laplacian, the same inside face
boxes, clipped highlights and shadows, brightness, a noise estimate (Immerkaer 1996) and the
faces the detector found (count, largest size, score).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from appliance.moments.phash import grey, perceptual_hash

FEATURE_NAMES = (
    "sharpness",  # log10(1 + variance of the Laplacian)
    "face_sharpness",  # the same inside the sharpest face box (0 without faces)
    "clipped_highlights",  # share of pixels >= 250
    "clipped_shadows",  # share of pixels <= 5
    "brightness",  # mean grey level, 0-1
    "noise",  # estimated noise sigma in grey levels
    "face_count",
    "face_area",  # largest face box / picture area
    "face_score",  # mean detection score
    "redundancy",  # other photos in its stack (set when grouping)
)


@dataclass
class Measured:
    """What the worker measures for moments; crosses the process boundary."""

    phash: int | None
    features: dict[str, float]


def laplacian(pixels: np.ndarray) -> np.ndarray:
    """The 4-neighbour Laplacian of a 2-D array (valid region only)."""
    return (
        pixels[:-2, 1:-1]
        + pixels[2:, 1:-1]
        + pixels[1:-1, :-2]
        + pixels[1:-1, 2:]
        - 4.0 * pixels[1:-1, 1:-1]
    )


def sharpness(pixels: np.ndarray) -> float:
    """log10(1 + variance of the Laplacian); 0 for regions too small to measure."""
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        return 0.0
    return math.log10(1.0 + float(laplacian(pixels).var()))


def noise_sigma(pixels: np.ndarray) -> float:
    """Immerkaer's fast noise estimate: a Laplacian-difference mask that cancels structure."""
    h, w = pixels.shape
    if h < 3 or w < 3:
        return 0.0
    p = pixels
    response = (
        p[:-2, :-2]
        + p[:-2, 2:]
        + p[2:, :-2]
        + p[2:, 2:]
        - 2.0 * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:])
        + 4.0 * p[1:-1, 1:-1]
    )
    return float(np.abs(response).sum() * math.sqrt(math.pi / 2.0) / (6.0 * (w - 2) * (h - 2)))


def measure_image(
    image: Image.Image,
    faces: Iterable[tuple[Sequence[float], float]] = (),
    display_size: tuple[int, int] | None = None,
) -> Measured:
    """Hash and features of a grid image; ``faces`` are (box x,y,w,h in display pixels,
    detection score) and ``display_size`` the full displayed size those boxes refer to."""
    pixels = grey(image)
    h, w = pixels.shape
    scale = w / display_size[0] if display_size and display_size[0] else 1.0
    face_list = list(faces)
    face_sharp, face_area = 0.0, 0.0
    for (x, y, bw, bh), _score in face_list:
        x0, y0 = max(0, int(x * scale)), max(0, int(y * scale))
        x1, y1 = min(w, int((x + bw) * scale) + 1), min(h, int((y + bh) * scale) + 1)
        face_sharp = max(face_sharp, sharpness(pixels[y0:y1, x0:x1]))
        face_area = max(face_area, (bw * scale) * (bh * scale) / float(w * h))
    size = float(pixels.size) or 1.0
    features = {
        "sharpness": sharpness(pixels),
        "face_sharpness": face_sharp,
        "clipped_highlights": float((pixels >= 250).sum()) / size,
        "clipped_shadows": float((pixels <= 5).sum()) / size,
        "brightness": float(pixels.mean()) / 255.0,
        "noise": noise_sigma(pixels),
        "face_count": float(len(face_list)),
        "face_area": min(1.0, face_area),
        "face_score": (sum(s for _, s in face_list) / len(face_list)) if face_list else 0.0,
        "redundancy": 0.0,
    }
    return Measured(perceptual_hash(image), features)


def measure_jpeg(
    grid_jpeg: bytes,
    faces: Iterable[tuple[Sequence[float], float]] = (),
    display_size: tuple[int, int] | None = None,
) -> Measured:
    """:func:`measure_image` on the grid thumbnail's JPEG bytes (400 px: a few ms)."""
    with Image.open(io.BytesIO(grid_jpeg)) as image:
        image.load()
        return measure_image(image.convert("RGB"), faces, display_size)
