"""A photo as a JPEG any computer opens, for downloads: HEIC, AVIF, JPEG XL, PNG, WebP,
TIFF and raw files are decoded, turned upright and written as a full-size JPEG (long side
capped, so a huge panorama stays a picture a PC opens); JPEGs and videos stay as they are.
The taken date and camera in EXIF come along where the source has EXIF."""

from __future__ import annotations

import io
from pathlib import Path, PurePath

from PIL import Image

from appliance.media.decode import decode
from appliance.media.render import fit

JPEG_QUALITY = 92
MAX_LONG_SIDE = 8192  # 50 MP at 4:3: about 150 MB of pixels while it is encoded
_ORIENTATION = 0x0112


def needs_jpeg(mime: str | None) -> bool:
    """True for a picture a family PC may not open (every image type but JPEG)."""
    return bool(mime) and mime.startswith("image/") and mime != "image/jpeg"


def jpeg_name(name: str) -> str:
    """``IMG_1234.HEIC`` -> ``IMG_1234.jpg``."""
    return f"{PurePath(name).stem or 'photo'}.jpg"


def _exif_of(path: Path) -> bytes | None:
    """The source's EXIF with the orientation reset (the pixels are upright), or None."""
    try:
        with Image.open(path) as source:
            exif = source.getexif()
    except Exception:  # noqa: BLE001 - a raw file or odd container: no EXIF, still a JPEG
        return None
    if not exif:
        return None
    exif[_ORIENTATION] = 1
    return exif.tobytes()


def jpeg_bytes(path: Path, mime: str) -> bytes:
    """The picture at ``path`` as JPEG bytes; :class:`RenderError` when it cannot be read."""
    decoded = decode(path, mime, MAX_LONG_SIDE)
    image = decoded.finish(fit(decoded.image, MAX_LONG_SIDE))
    if image.mode != "RGB":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    exif = _exif_of(path)
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, **({"exif": exif} if exif else {}))
    return buffer.getvalue()
