"""A 64-bit perceptual hash (DCT pHash) of the grid thumbnail, and Hamming distances.

The grid thumbnail is already upright (EXIF orientation applied by the render stage), so the
same picture stored with different orientations gets the same hash. Uniform borders
(letterbox bars) are trimmed first, so a letterboxed copy hashes like the original. Images
with almost no structure (a flat colour) get no hash: every such image would collide.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

HASH_SIDE = 32  # DCT input side
LOW = 8  # the 8x8 lowest frequencies make the 64 bits
MIN_STRUCTURE = 2.0  # grey-level standard deviation below which an image has no useful hash
_BAR_LEVEL = 24  # a border row/column darker than this, and flat, is a letterbox bar


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    matrix[0] /= np.sqrt(2.0)
    return matrix


_DCT = _dct_matrix(HASH_SIDE)


def grey(image: Image.Image) -> np.ndarray:
    """The image as a float32 grey-level array (0-255)."""
    return np.asarray(image.convert("L"), dtype=np.float32)


def trim_bars(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` without dark, flat border rows and columns (letterboxing)."""

    def keep(profile_mean: np.ndarray, profile_std: np.ndarray) -> tuple[int, int]:
        content = np.nonzero((profile_mean > _BAR_LEVEL) | (profile_std > 6.0))[0]
        if content.size == 0:
            return 0, len(profile_mean)
        return int(content[0]), int(content[-1]) + 1

    top, bottom = keep(pixels.mean(axis=1), pixels.std(axis=1))
    left, right = keep(pixels.mean(axis=0), pixels.std(axis=0))
    trimmed = pixels[top:bottom, left:right]
    if trimmed.shape[0] < 8 or trimmed.shape[1] < 8:
        return pixels
    return trimmed


def perceptual_hash(image: Image.Image) -> int | None:
    """The 64-bit pHash of ``image`` as an unsigned int, None for a structureless image."""
    pixels = trim_bars(grey(image))
    if float(pixels.std()) < MIN_STRUCTURE:
        return None
    small = Image.fromarray(pixels.astype(np.uint8)).resize(
        (HASH_SIDE, HASH_SIDE), Image.Resampling.BOX
    )
    values = np.asarray(small, dtype=np.float32)
    coefficients = (_DCT @ values @ _DCT.T)[:LOW, :LOW].flatten()
    median = np.median(coefficients[1:])  # the DC term says only how bright it is
    bits = coefficients > median
    return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two 64-bit hashes."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def to_signed(value: int) -> int:
    """The unsigned 64-bit hash as SQLite's signed 64-bit integer."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def segments(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit segments of a hash (multi-index hashing keys)."""
    return tuple((value >> (16 * i)) & 0xFFFF for i in range(4))  # type: ignore[return-value]
