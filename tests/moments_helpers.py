"""Photos made from corpus pictures for the moments tests: bursts and dated shots."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

Transform = Callable[[Image.Image], Image.Image]


def sharp(image: Image.Image) -> Image.Image:
    return image


def blurred(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius=image.width / 300))


def _gain(image: Image.Image, gain: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32) * gain
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def under_exposed(image: Image.Image) -> Image.Image:
    return _gain(image, 0.3)


def over_exposed(image: Image.Image) -> Image.Image:
    return _gain(image, 2.6)


def write_shot(
    source: Path,
    target: Path,
    date: str,
    transform: Transform = sharp,
    camera: tuple[str, str] = ("Shoebox", "Burst 1"),
    width: int = 1200,
) -> Path:
    """A JPEG of ``source`` (scaled to ``width``) after ``transform``, with EXIF Make,
    Model and DateTimeOriginal ("YYYY:MM:DD hh:mm:ss")."""
    with Image.open(source) as image:
        image = image.convert("RGB")
        image = image.resize((width, round(image.height * width / image.width)))
    image = transform(image)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = camera
    exif.get_ifd(0x8769)[0x9003] = date
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return target
